import { CancelledError } from './errors.ts'

export interface PoolLimits {
  /** Most slots in use at once, over all projects. */
  readonly global: number
  /** Most slots in use at once for one project. */
  readonly perProject: number
}

export interface PoolRunOptions {
  readonly signal?: AbortSignal
}

interface Waiter {
  readonly projectId: string
  readonly signal: AbortSignal | undefined
  readonly grant: () => void
  readonly cancel: (reason: unknown) => void
}

/**
 * Bounded concurrency with a global and a per-project limit: a job holds one slot (a server's
 * group sends on several lanes, each with its own slot, queued side by side). Waiters are served in
 * order (a waiter blocked by the global limit blocks those behind it; one blocked only by its
 * project's limit lets other projects pass), and a slot is always freed in `finally`, also when the
 * job rejects.
 */
export class Pool {
  readonly limits: PoolLimits
  #inUse = 0
  readonly #perProject = new Map<string, number>()
  readonly #queue: Waiter[] = []
  /**
   * The waiters of each caller signal, with one abort listener per signal however many wait on it
   * (a run's lanes share its signal: a listener each would pile up on it).
   */
  readonly #bySignal = new Map<AbortSignal, { readonly waiters: Set<Waiter>; readonly onAbort: () => void }>()

  constructor(limits: PoolLimits) {
    if (!(limits.global >= 1) || !(limits.perProject >= 1)) throw new RangeError('pool limits must be >= 1')
    this.limits = { global: Math.floor(limits.global), perProject: Math.floor(limits.perProject) }
  }

  get inFlight(): number {
    return this.#inUse
  }

  inFlightFor(projectId: string): number {
    return this.#perProject.get(projectId) ?? 0
  }

  async run<T>(projectId: string, fn: () => Promise<T>, opts: PoolRunOptions = {}): Promise<T> {
    const release = await this.acquire(projectId, opts)
    try {
      return await fn()
    } finally {
      release()
    }
  }

  /**
   * Takes a slot and returns its release (idempotent): for a job whose requests end before it does
   * (a create is sent, then its resource is waited for without a slot). The caller must release in
   * `finally`.
   */
  async acquire(projectId: string, opts: PoolRunOptions = {}): Promise<() => void> {
    await this.#acquire(projectId, opts.signal)
    let held = true
    return () => {
      if (!held) return
      held = false
      this.#release(projectId)
    }
  }

  #fits(projectId: string): boolean {
    return this.#inUse < this.limits.global && this.inFlightFor(projectId) < this.limits.perProject
  }

  #take(projectId: string): void {
    this.#inUse++
    this.#perProject.set(projectId, this.inFlightFor(projectId) + 1)
  }

  #acquire(projectId: string, signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(new CancelledError('waiting for a pool slot', signal.reason))
    // Free now and nobody ahead: taken at once, without a listener on the signal.
    if (this.#queue.length === 0 && this.#fits(projectId)) {
      this.#take(projectId)
      return Promise.resolve()
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        projectId,
        signal,
        grant: () => {
          this.#forget(waiter)
          resolve()
        },
        cancel: (reason) => reject(new CancelledError('waiting for a pool slot', reason)),
      }
      if (signal) this.#watch(signal, waiter)
      this.#queue.push(waiter)
      this.#drain()
    })
  }

  #watch(signal: AbortSignal, waiter: Waiter): void {
    let entry = this.#bySignal.get(signal)
    if (entry === undefined) {
      const waiters = new Set<Waiter>()
      const onAbort = (): void => {
        this.#bySignal.delete(signal)
        for (const w of waiters) {
          const i = this.#queue.indexOf(w)
          if (i >= 0) this.#queue.splice(i, 1)
          w.cancel(signal.reason)
        }
        this.#drain()
      }
      entry = { waiters, onAbort }
      this.#bySignal.set(signal, entry)
      signal.addEventListener('abort', onAbort, { once: true })
    }
    entry.waiters.add(waiter)
  }

  /** A waiter granted its slot no longer listens; the signal's listener goes with its last waiter. */
  #forget(waiter: Waiter): void {
    if (waiter.signal === undefined) return
    const entry = this.#bySignal.get(waiter.signal)
    if (entry === undefined) return
    entry.waiters.delete(waiter)
    if (entry.waiters.size === 0) {
      this.#bySignal.delete(waiter.signal)
      waiter.signal.removeEventListener('abort', entry.onAbort)
    }
  }

  #release(projectId: string): void {
    this.#inUse--
    const left = this.inFlightFor(projectId) - 1
    if (left > 0) this.#perProject.set(projectId, left)
    else this.#perProject.delete(projectId)
    this.#drain()
  }

  #drain(): void {
    const blockedProjects = new Set<string>()
    for (let i = 0; i < this.#queue.length; ) {
      const w = this.#queue[i]!
      if (blockedProjects.has(w.projectId)) {
        i++
        continue
      }
      if (this.#inUse >= this.limits.global) return
      if (!this.#fits(w.projectId)) {
        blockedProjects.add(w.projectId)
        i++
        continue
      }
      this.#queue.splice(i, 1)
      this.#take(w.projectId)
      w.grant()
    }
  }
}
