import type { Clock, Sleep } from '../domain/clock.ts'
import type { BackupRecord } from '../domain/inventory.ts'
import type { Cloud } from '../domain/ports.ts'
import { CancelledError, WaitTimeoutError } from './errors.ts'

/** How often one item is looked at: the interval doubles from `firstMs` up to `maxMs` as its wait grows. */
export interface PollSchedule {
  readonly firstMs: number
  readonly maxMs: number
}

/** Staffeln polls every 60 s; we start at 5 s (short backups end soon) and back off to 60 s. */
export const DEFAULT_POLL_SCHEDULE: PollSchedule = { firstMs: 5_000, maxMs: 60_000 }

/** The interval after `polls` looks: firstMs, 2×, 4×, … capped at maxMs. */
export function pollInterval(schedule: PollSchedule, polls: number): number {
  const first = Math.max(1, schedule.firstMs)
  return Math.min(Math.max(first, schedule.maxMs), first * 2 ** Math.min(polls, 30))
}

/** What one watched item tells the listing: its id and the project it was made in. */
export interface WatchedItem {
  readonly id: string
  readonly projectId: string
  /** When the item was made or changed (our clock): a listing newest-first may stop before it. */
  readonly since: Date
}

/**
 * One listing round: the records of these items that the cloud lists (an absent id is not listed).
 * A lister that reads several pages may hand each page's records to `onPart` as soon as it has
 * them: the waits they end are settled while the next page is read.
 */
export type RoundLister<T> = (items: readonly WatchedItem[], signal?: AbortSignal, onPart?: (found: ReadonlyMap<string, T>) => void) => Promise<ReadonlyMap<string, T>>

export interface WatchOptions<T> {
  /** True when the wait is over for this record (`undefined`: the item is not listed). */
  readonly done: (record: T | undefined) => boolean
  /** Clock time (ms) after which the wait ends with WaitTimeoutError (after one last look). */
  readonly deadlineMs: number
  readonly signal?: AbortSignal
  /** Called before each round that looks at this item (lease renewal); a throw ends this wait with it. */
  readonly beforeRound?: () => Promise<void> | undefined
  /** Names the item in messages, e.g. `backup 1234`. */
  readonly what: string
  /** The status waited for, for WaitTimeoutError. */
  readonly target: string
  /** Status of a record (for timeouts' messages). */
  readonly statusOf?: (record: T | undefined) => string | undefined
}

export interface ListingPollerOptions<T> {
  readonly list: RoundLister<T>
  readonly clock: Clock
  readonly sleep: Sleep
  readonly schedule?: PollSchedule
  /** A listing that failed with a transient error is tried again next round; others end every wait. */
  readonly isTransient?: (err: unknown) => boolean
  /** Told after every round (for logs and tests). */
  readonly onRound?: (round: { readonly items: number; readonly error?: unknown }) => void
}

interface Watcher<T> {
  readonly item: WatchedItem
  readonly opts: WatchOptions<T>
  polls: number
  /** Made due by lookNow: that round does not count as a step of its back-off. */
  early: boolean
  /** When it was due before lookNow made it due at once: its next look stays there. */
  dueBeforeEarly: number
  dueMs: number
  last: T | undefined
  resolve(record: T | undefined): void
  reject(err: unknown): void
}

/**
 * Waits for many items with one listing per round instead of one GET per item per round: every
 * item in flight is looked at in the same round, one listing (per scope) answers all of them, and
 * each item's own interval backs off as its wait grows (DEFAULT_POLL_SCHEDULE). A round happens
 * when the first item is due (a new item wakes a loop sleeping past its first look). Rounds stop
 * when nothing is watched. Bounded: every wait has a deadline.
 */
export class ListingPoller<T> {
  readonly #opts: ListingPollerOptions<T>
  readonly #schedule: PollSchedule
  readonly #watchers = new Set<Watcher<T>>()
  /**
   * One abort listener per signal, not per watcher: thousands of waits share a run's signal, and
   * every listener added to an EventTarget walks the ones already there.
   */
  readonly #bySignal = new Map<AbortSignal, { readonly watchers: Set<Watcher<T>>; readonly onAbort: () => void }>()
  #running: Promise<void> | undefined
  #wake: AbortController | undefined
  /** The loop's current sleep: when it began and the due time it sleeps until (clock ms). */
  #sleep: { readonly startedMs: number; readonly untilMs: number } | undefined
  #rounds = 0

  constructor(opts: ListingPollerOptions<T>) {
    this.#opts = opts
    this.#schedule = opts.schedule ?? DEFAULT_POLL_SCHEDULE
  }

  /** Listing rounds made so far. */
  get rounds(): number {
    return this.#rounds
  }

  /** Items being waited for. */
  get watching(): number {
    return this.#watchers.size
  }

  /**
   * Makes every item watched now due at once: the next round happens without waiting for the first
   * interval. A run calls it when its last create was sent, so a fast cloud is seen settled by one
   * listing right away; an item still in flight is looked at again when it was due anyway (the early
   * round is not a step of its back-off), so one made just before waits no longer than its interval.
   */
  lookNow(): void {
    const now = this.#opts.clock.now().getTime()
    for (const w of this.#watchers) {
      if (w.dueMs > now) {
        w.early = true
        w.dueBeforeEarly = w.dueMs
      }
      w.dueMs = Math.min(w.dueMs, now)
    }
    this.#wakeUp()
  }

  /** Waits until `done(record)`; resolves with the last record seen (undefined when not listed). */
  watch(item: WatchedItem, opts: WatchOptions<T>): Promise<T | undefined> {
    if (opts.signal?.aborted) return Promise.reject(new CancelledError(`waiting for ${opts.what}`, opts.signal.reason))
    return new Promise<T | undefined>((resolve, reject) => {
      const now = this.#opts.clock.now().getTime()
      const w: Watcher<T> = {
        item,
        opts,
        polls: 0,
        early: false,
        dueBeforeEarly: 0,
        dueMs: Math.min(now + pollInterval(this.#schedule, 0), opts.deadlineMs),
        last: undefined,
        resolve: (r) => {
          this.#unlisten(w)
          resolve(r)
        },
        reject: (e) => {
          this.#unlisten(w)
          reject(e)
        },
      }
      this.#listen(w)
      this.#watchers.add(w)
      // A loop sleeping until this item's due time (or earlier) looks at it then: waking it would
      // only start the same sleep again, thousands of times in a run. Unless no time has passed
      // since it fell asleep: a clock that only moves when the loop sleeps (tests' manual time)
      // must not move while items are still being added.
      if (this.#sleep === undefined || w.dueMs < this.#sleep.untilMs || now <= this.#sleep.startedMs) this.#wakeUp()
      this.#running ??= this.#loop().finally(() => {
        this.#running = undefined
        // A watch added while the loop was ending starts a new one.
        if (this.#watchers.size > 0) this.#running ??= this.#loop()
      })
    })
  }

  #listen(w: Watcher<T>): void {
    const signal = w.opts.signal
    if (signal === undefined) return
    let group = this.#bySignal.get(signal)
    if (group === undefined) {
      const watchers = new Set<Watcher<T>>()
      const onAbort = (): void => {
        this.#bySignal.delete(signal)
        for (const x of [...watchers]) {
          if (this.#watchers.delete(x)) x.reject(new CancelledError(`waiting for ${x.opts.what}`, signal.reason))
        }
        watchers.clear()
        this.#idleWake()
      }
      group = { watchers, onAbort }
      this.#bySignal.set(signal, group)
      signal.addEventListener('abort', onAbort, { once: true })
    }
    group.watchers.add(w)
  }

  #unlisten(w: Watcher<T>): void {
    const signal = w.opts.signal
    const group = signal && this.#bySignal.get(signal)
    if (!group) return
    group.watchers.delete(w)
    if (group.watchers.size === 0) {
      signal.removeEventListener('abort', group.onAbort)
      this.#bySignal.delete(signal)
    }
  }

  async #loop(): Promise<void> {
    const { clock, sleep } = this.#opts
    // Bounded: every watcher has a deadline, and each round moves every watcher's due time forward.
    for (let guard = 0; guard < 10_000_000 && this.#watchers.size > 0; guard++) {
      let due = Infinity
      for (const w of this.#watchers) if (w.dueMs < due) due = w.dueMs
      const waitMs = due - clock.now().getTime()
      if (waitMs > 0) {
        const wake = new AbortController()
        this.#wake = wake
        this.#sleep = { startedMs: clock.now().getTime(), untilMs: due }
        try {
          await sleep(waitMs, wake.signal)
        } catch (err) {
          if (!wake.signal.aborted) throw err
        } finally {
          this.#wake = undefined
          this.#sleep = undefined
        }
        // Woken by a new item (or the last wait ended): look at the due times again. A sleep that
        // ran out is the round, whatever the clock says (a clock held still must not stall it).
        if (wake.signal.aborted) continue
      }
      await this.#round()
    }
  }

  async #round(): Promise<void> {
    const { clock, list } = this.#opts
    const batch = [...this.#watchers]
    // Every item's beforeRound at once, not one after another: a round over thousands of items
    // waited for each one's (mostly nothing to do) in turn before it listed. One with nothing to do
    // answers undefined: only the work there is is waited for.
    const waits: Promise<void>[] = []
    const waitOf: number[] = []
    const refused = new Map<number, unknown>()
    for (let i = 0; i < batch.length; i++) {
      try {
        const p = batch[i]!.opts.beforeRound?.()
        if (p !== undefined) {
          waits.push(p)
          waitOf.push(i)
        }
      } catch (err) {
        refused.set(i, err)
      }
    }
    if (waits.length > 0) {
      const settled = await Promise.allSettled(waits)
      settled.forEach((r, j) => {
        if (r.status === 'rejected') refused.set(waitOf[j]!, r.reason)
      })
    }
    const looking: Watcher<T>[] = []
    for (let i = 0; i < batch.length; i++) {
      const w = batch[i]!
      if (!refused.has(i)) looking.push(w)
      else this.#end(w, () => w.reject(refused.get(i)))
    }
    if (looking.length === 0) return
    this.#rounds++
    const byId = new Map<string, Watcher<T>>()
    for (const w of looking) byId.set(w.item.id, w)
    // A record found on an early page ends its wait at once; what is not listed, not done or past
    // its deadline is decided when the round has read every page.
    const onPart = (part: ReadonlyMap<string, T>): void => {
      for (const [id, record] of part) {
        const w = byId.get(id)
        if (w === undefined || !this.#watchers.has(w)) continue
        w.last = record
        if (w.opts.done(record)) this.#end(w, () => w.resolve(record))
      }
    }
    let found: ReadonlyMap<string, T>
    try {
      found = await list(looking.map((w) => w.item), undefined, onPart)
      this.#opts.onRound?.({ items: looking.length })
    } catch (err) {
      this.#opts.onRound?.({ items: looking.length, error: err })
      const transient = this.#opts.isTransient?.(err) ?? false
      const now = clock.now().getTime()
      for (const w of looking) {
        if (!transient) this.#end(w, () => w.reject(err))
        else if (now >= w.opts.deadlineMs) this.#end(w, () => w.reject(err))
        else this.#next(w, now)
      }
      return
    }
    const now = clock.now().getTime()
    for (const w of looking) {
      if (!this.#watchers.has(w)) continue
      const record = found.get(w.item.id)
      w.last = record
      if (w.opts.done(record)) this.#end(w, () => w.resolve(record))
      else if (now >= w.opts.deadlineMs) {
        const status = w.opts.statusOf?.(record)
        const timeoutMs = w.opts.deadlineMs - w.item.since.getTime()
        this.#end(w, () => w.reject(new WaitTimeoutError(w.opts.what, w.opts.target, timeoutMs, status)))
      } else this.#next(w, now)
    }
  }

  #next(w: Watcher<T>, now: number): void {
    // A round made early (lookNow) is not a step of the back-off: the item is looked at again when
    // it was due anyway (its first interval after its own start), or one interval later.
    if (w.early) {
      w.early = false
      if (w.dueBeforeEarly > now) {
        w.dueMs = Math.min(w.dueBeforeEarly, Math.max(w.opts.deadlineMs, now + 1))
        return
      }
    } else w.polls++
    w.dueMs = Math.min(now + pollInterval(this.#schedule, w.polls), Math.max(w.opts.deadlineMs, now + 1))
  }

  #end(w: Watcher<T>, settle: () => void): void {
    if (this.#watchers.delete(w)) settle()
  }

  /** Nothing left to watch: end the loop's sleep now (no timer outlives the last wait). */
  #idleWake(): void {
    if (this.#watchers.size === 0) this.#wakeUp()
  }

  /**
   * Ends the loop's sleep now (it looks at the due times again). The reason is made once: an
   * abort's default reason is a new DOMException with a stack.
   */
  #wakeUp(): void {
    if (this.#wake !== undefined && !this.#wake.signal.aborted) this.#wake.abort(WOKEN)
  }
}

/** The reason a sleeping loop is woken with (see #wakeUp). */
const WOKEN = Object.freeze({ woken: true })

/** Cinder's created_at against our clock: a listing newest-first looks this much further back. */
export const CLOCK_SKEW_MARGIN_MS = 15 * 60_000

interface PollerDeps {
  readonly cloud: Pick<Cloud, 'listRecentBackups' | 'listBackupsByStatus' | 'isTransient'>
  readonly clock: Clock
  readonly sleep: Sleep
}

/** Backups in flight after their create: one `backups/detail` listing (newest first) per round. */
export function recentBackupsPoller(deps: PollerDeps, schedule?: PollSchedule): ListingPoller<BackupRecord> {
  return new ListingPoller<BackupRecord>({
    clock: deps.clock,
    sleep: deps.sleep,
    ...(schedule && { schedule }),
    isTransient: (err) => deps.cloud.isTransient(err),
    list: async (items, signal, onPart) => {
      const oldest = Math.min(...items.map((i) => i.since.getTime()))
      const listed = await deps.cloud.listRecentBackups(
        { projectIds: [...new Set(items.map((i) => i.projectId))], ids: items.map((i) => i.id), createdSince: new Date(oldest - CLOCK_SKEW_MARGIN_MS) },
        signal,
        onPart && ((page) => onPart(new Map(page.map((b) => [b.id, b])))),
      )
      return new Map(listed.map((b) => [b.id, b]))
    },
  })
}

/** Backups being deleted: one `backups/detail?status=deleting` listing per round; one not listed is no longer deleting. */
export function deletingBackupsPoller(deps: PollerDeps, schedule?: PollSchedule): ListingPoller<BackupRecord> {
  return new ListingPoller<BackupRecord>({
    clock: deps.clock,
    sleep: deps.sleep,
    ...(schedule && { schedule }),
    isTransient: (err) => deps.cloud.isTransient(err),
    list: async (items, signal) => {
      const listed = await deps.cloud.listBackupsByStatus({ projectIds: [...new Set(items.map((i) => i.projectId))], status: 'deleting' }, signal)
      return new Map(listed.map((b) => [b.id, b]))
    },
  })
}
