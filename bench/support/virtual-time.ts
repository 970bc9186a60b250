/**
 * Virtual time for a benchmark that runs the simulator in-process: one clock shared by the
 * simulator (transitions, token expiry) and the client (its `clock` and `sleep`). Time stands
 * still while anyone works and jumps to the earliest wake-up once everyone sleeps, so a cycle that
 * waits minutes for backups runs in seconds of real time, and concurrent sleepers see the same
 * time as on a real clock (a plain "sleep advances the clock" would add up their sleeps).
 *
 * "Everyone sleeps" is judged from activity: the simulator reports each request on arrival (its
 * latency hook) and we see each sleep; after a few consecutive quiet turns of the event loop with
 * a sleeper waiting and no request inside the simulator, the earliest sleeper wakes. Loopback
 * HTTP between an answer and the client's next request takes well under one such turn.
 */
import type { Clock, Sleep } from '../../src/domain/clock.ts'
import type { SimClock } from '../../src/simulator/index.ts'

/** Quiet event-loop turns (each a 1 ms real timer) before time jumps. */
const QUIET_TURNS = 4

interface Timer {
  readonly at: number
  readonly seq: number
  readonly wake: () => void
  readonly signal: AbortSignal | undefined
  readonly reject: (reason: unknown) => void
}

export class VirtualTime {
  #now: number
  #timers: Timer[] = []
  #seq = 0
  #activity = 0
  #inside = 0
  #driving = false
  readonly #watched = new WeakSet<AbortSignal>()
  /** How many times time jumped (for the report). */
  jumps = 0

  constructor(startMs: number) {
    this.#now = startMs
  }

  /** The simulator's clock. */
  readonly simClock: SimClock = { now: () => this.#now }
  /** The client's clock. */
  readonly clock: Clock = { now: () => new Date(this.#now) }

  /** The client's sleep: resolves when virtual time reaches now + ms (rejects when the signal aborts). */
  readonly sleep: Sleep = (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason)
      const timer: Timer = { at: this.#now + Math.max(0, ms), seq: this.#seq++, wake: resolve, signal, reject }
      if (signal !== undefined && !this.#watched.has(signal)) {
        // One listener per signal, however many sleep on it.
        this.#watched.add(signal)
        signal.addEventListener(
          'abort',
          () => {
            const hit = this.#timers.filter((t) => t.signal === signal)
            this.#timers = this.#timers.filter((t) => t.signal !== signal)
            for (const t of hit) t.reject(signal.reason)
          },
          { once: true },
        )
      }
      this.#timers.push(timer)
      this.#activity++
      void this.#drive()
    })

  /**
   * The simulator's latency hook (`startSimulator({ latencyMs: 1, sleep })`): marks a request as
   * inside the simulator until the returned promise's handler has run (it is handled right after).
   */
  readonly simLatency = async (): Promise<void> => {
    this.#activity++
    this.#inside++
    await Promise.resolve()
    this.#inside--
  }

  /** Moves time on by `ms` (between runs, nobody asleep). */
  advance(ms: number): void {
    this.#now += ms
  }

  get nowMs(): number {
    return this.#now
  }

  async #drive(): Promise<void> {
    if (this.#driving) return
    this.#driving = true
    try {
      while (this.#timers.length > 0) {
        let quiet = 0
        let seen = this.#activity
        while (quiet < QUIET_TURNS) {
          await new Promise<void>((r) => setTimeout(r, 1))
          if (this.#activity === seen && this.#inside === 0) quiet++
          else {
            quiet = 0
            seen = this.#activity
          }
        }
        if (this.#timers.length === 0) break
        this.#timers.sort((a, b) => a.at - b.at || a.seq - b.seq)
        const at = this.#timers[0]!.at
        if (at > this.#now) {
          this.#now = at
          this.jumps++
        }
        // Everyone due at this instant wakes together.
        const due = this.#timers.filter((t) => t.at <= this.#now)
        this.#timers = this.#timers.filter((t) => t.at > this.#now)
        this.#activity++
        for (const t of due) t.wake()
      }
    } finally {
      this.#driving = false
    }
  }
}
