import type { BackupTaskStore, FinishTaskEntry } from '../domain/store-port.ts'

/** At most this many tasks are finished in one transaction (a write lock held a few milliseconds). */
const MAX_BATCH = 500

interface Pending {
  readonly entry: FinishTaskEntry
  readonly resolve: () => void
  readonly reject: (err: unknown) => void
}

/**
 * Finishes backup tasks in batches: the tasks that end together (a listing page settles hundreds
 * of backups at once) are written in one store transaction each (finishTasks), not in two writes of
 * their own per task. A task's finish is collected until the event loop's current turn is over
 * (setImmediate), then written; its promise settles as finishTask's would have: resolved, or
 * rejected with that task's STORE_CONFLICT (or the store's error for the whole batch).
 */
export class TaskFinisher {
  readonly #store: Pick<BackupTaskStore, 'finishTasks'>
  #pending: Pending[] = []
  #scheduled = false

  constructor(store: Pick<BackupTaskStore, 'finishTasks'>) {
    this.#store = store
  }

  finish(entry: FinishTaskEntry): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#pending.push({ entry, resolve, reject })
      if (!this.#scheduled) {
        this.#scheduled = true
        setImmediate(() => void this.#flush())
      }
    })
  }

  async #flush(): Promise<void> {
    this.#scheduled = false
    const all = this.#pending
    this.#pending = []
    for (let i = 0; i < all.length; i += MAX_BATCH) {
      const batch = all.slice(i, i + MAX_BATCH)
      let results: readonly (Error | undefined)[]
      try {
        results = await this.#store.finishTasks(batch.map((p) => p.entry))
      } catch (err) {
        for (const p of batch) p.reject(err)
        continue
      }
      batch.forEach((p, j) => {
        const failure = results[j]
        if (failure === undefined) p.resolve()
        else p.reject(failure)
      })
    }
  }
}
