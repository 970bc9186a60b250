import type { Clock } from '../domain/clock.ts'
import { toErrorInfo } from '../domain/errors.ts'
import type { Logger } from '../domain/logger.ts'
import type { BackupTaskStore } from '../domain/store-port.ts'

/**
 * The leases of claimed tasks that wait for a pool slot. Nothing of theirs polls while they wait,
 * so they are renewed whenever a running backup of the same pool polls (a slot is only held by a
 * running backup, and every running backup polls at its poll interval). A lease found taken over
 * is dropped here; the task's own worker finds out at its check before sending.
 */
export class WaitingLeases {
  readonly #waiting = new Map<string, string>()
  readonly #store: Pick<BackupTaskStore, 'renewLease'>
  readonly #clock: Clock
  readonly #leaseMs: number
  readonly #logger: Logger | undefined
  #renewing: Promise<void> | undefined

  constructor(deps: { readonly store: Pick<BackupTaskStore, 'renewLease'>; readonly clock: Clock; readonly leaseMs: number; readonly logger?: Logger }) {
    this.#store = deps.store
    this.#clock = deps.clock
    this.#leaseMs = deps.leaseMs
    this.#logger = deps.logger
  }

  /** Task ids currently waiting. */
  get waiting(): readonly string[] {
    return [...this.#waiting.keys()]
  }

  /** No task waits. */
  get empty(): boolean {
    return this.#waiting.size === 0
  }

  add(taskId: string, owner: string): void {
    this.#waiting.set(taskId, owner)
  }

  delete(taskId: string): void {
    this.#waiting.delete(taskId)
  }

  /** Renews every waiting task's lease; concurrent callers share one pass. Never throws. */
  renew(): Promise<void> {
    this.#renewing ??= this.#renewAll().finally(() => {
      this.#renewing = undefined
    })
    return this.#renewing
  }

  async #renewAll(): Promise<void> {
    for (const [taskId, owner] of [...this.#waiting]) {
      try {
        await this.#store.renewLease(taskId, owner, this.#clock.now(), this.#leaseMs)
      } catch (err) {
        const error = toErrorInfo(err)
        if (error.code === 'STORE_CONFLICT') this.#waiting.delete(taskId)
        this.#logger?.warn({ taskId, owner, error }, 'could not renew the lease of a backup task waiting for a slot')
      }
    }
  }
}
