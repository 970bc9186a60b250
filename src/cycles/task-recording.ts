/**
 * A cycle's planned tasks recorded a chunk at a time, so the first creates are sent while the rest
 * are still being recorded (3,500 tasks take ~80 ms of synchronous SQLite: the event loop sent
 * nothing meanwhile, not even the project tokens asked for just before).
 *
 * Each chunk is one `planTasks` call, its own transaction, with the same re-checks per row (an open
 * task for the volume, a backup another run made since our listing): a task is recorded before any
 * worker can claim it, so before its create is sent, and a re-run or an overlapping run never
 * duplicates one. A process that dies between two chunks leaves the chunks recorded, which the next
 * run claims, and the volumes of the others without a task, which its plan gives one.
 */
import type { BackupTask, BackupTaskStore, NewBackupTask, PlanTasksOptions } from '../domain/store-port.ts'

/** Tasks still being recorded: a worker that finds none to claim waits for the next chunk while `open`. */
export interface TaskFeed {
  /** More tasks may still be recorded. */
  readonly open: boolean
  /** Settles when the next chunk was recorded or the recording ended (at once when it has). */
  recorded(): Promise<void>
}

export interface TaskRecordingOptions {
  /** The first chunk: small, so that the first creates go out after a millisecond or two. */
  readonly firstChunk: number
  /** Every later chunk (a few milliseconds of synchronous SQLite each). */
  readonly chunk: number
  /** Gives the event loop a turn between chunks (answers and requests in flight are handled). */
  readonly yieldTurn?: () => Promise<void>
  readonly signal?: AbortSignal
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

export class TaskRecording implements TaskFeed {
  readonly inserted: BackupTask[] = []
  readonly skippedVolumeIds: string[] = []
  #open = true
  #waiting: (() => void)[] = []

  get open(): boolean {
    return this.#open
  }

  recorded(): Promise<void> {
    if (!this.#open) return Promise.resolve()
    return new Promise((resolve) => this.#waiting.push(resolve))
  }

  /**
   * Records `tasks` in order, chunk by chunk, telling waiting workers after each; stops early when
   * `signal` aborts (the tasks not recorded are planned again by the next run). Closes the feed
   * when it ends, however it ends; a store error is thrown.
   */
  async record(store: Pick<BackupTaskStore, 'planTasks'>, tasks: readonly NewBackupTask[], plan: PlanTasksOptions, opts: TaskRecordingOptions): Promise<void> {
    const yieldTurn = opts.yieldTurn ?? nextTurn
    try {
      for (let i = 0; i < tasks.length && !opts.signal?.aborted; ) {
        const n = Math.max(1, i === 0 ? opts.firstChunk : opts.chunk)
        const got = await store.planTasks(tasks.slice(i, i + n), plan)
        for (const t of got.inserted) this.inserted.push(t)
        for (const v of got.skippedVolumeIds) this.skippedVolumeIds.push(v)
        i += n
        this.#tell()
        if (i < tasks.length) await yieldTurn()
      }
    } finally {
      this.#open = false
      this.#tell()
    }
  }

  #tell(): void {
    const waiting = this.#waiting
    this.#waiting = []
    for (const resolve of waiting) resolve()
  }
}
