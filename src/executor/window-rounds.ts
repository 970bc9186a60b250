/**
 * The window confirmations of one snapshot run, in listing rounds shared by the whole run (polling
 * by listing, docs/operations.md): every volume in flight is looked at in the same round, and one
 * `snapshots/detail?metadata={"x-snapwarden-window": key}` listing per window key (all_tenants for
 * an admin, else per project; every page) answers all of them, instead of one listing per item per
 * poll. Each volume's picture of its window is cut from that listing; what is done with it (the
 * survivor order, deleting a losing duplicate) stays in create-snapshot.ts and dedupe-window.ts.
 * Which filters the real Cinder honours is decided by tests/contract/snapshot-listing-cases.ts.
 */
import type { SnapshotRecord } from '../domain/inventory.ts'
import type { CreateSnapshotItem } from '../domain/plan.ts'
import { WINDOW_METADATA_KEY } from './dedupe-window.ts'
import { CancelledError, WaitTimeoutError } from './errors.ts'
import type { ExecutorDeps, ItemOutcome, ItemSettings } from './item-run.ts'
import { ListingPoller, type WatchedItem } from './poll-by-listing.ts'

/** One volume's snapshots in one window, as a round listed them. */
export type WindowPicture = readonly SnapshotRecord[]

interface WindowOf {
  readonly volumeId: string
  readonly projectId: string
  readonly windowKey: string
}

/** One create waiting in the rounds (create-snapshot.ts's CreateSettle). */
export interface RoundSettle {
  readonly item: CreateSnapshotItem
  /** Clock time (ms) by which its current phase must end. */
  readonly deadlineMs: number
  /** True when this picture asks for action (also remembers it as the last picture seen). */
  wantsAction(picture: WindowPicture): boolean
  /** Acts on a picture that asked for it: the item's outcome, or undefined to keep waiting; throws on failure. */
  act(picture: WindowPicture): Promise<ItemOutcome | undefined>
  /** Its deadline passed with no picture asking for action. */
  timedOut(): ItemOutcome
}

/** Told once per settle: its outcome, or the error that ended it (run.fail turns it into one). */
export type SettleFinish<S extends RoundSettle> = (settle: S, result: SettleResult) => void
export type SettleResult = { readonly outcome: ItemOutcome } | { readonly error: unknown }

/** A snapshot interval of `pollIntervalMs` backs off (doubling) to this as its wait grows. */
export const MAX_SNAPSHOT_POLL_MS = 60_000

export class WindowRounds {
  readonly #deps: Pick<ExecutorDeps, 'cloud' | 'clock'>
  readonly #signal: AbortSignal | undefined
  readonly #poller: ListingPoller<readonly WindowPicture[]>
  /** Watch id → the windows of its group's creates, in order. */
  readonly #watched = new Map<string, readonly WindowOf[]>()
  #seq = 0

  constructor(deps: ExecutorDeps, settings: ItemSettings, signal?: AbortSignal) {
    this.#deps = deps
    this.#signal = signal
    this.#poller = new ListingPoller<readonly WindowPicture[]>({
      clock: deps.clock,
      sleep: deps.sleep,
      schedule: { firstMs: settings.pollIntervalMs, maxMs: Math.max(settings.pollIntervalMs, MAX_SNAPSHOT_POLL_MS) },
      isTransient: (err) => deps.cloud.isTransient(err),
      list: (items) => this.#round(items),
    })
  }

  /** Listing rounds so far (one round may list several window keys). */
  get rounds(): number {
    return this.#poller.rounds
  }

  /** Every window watched now is looked at in one round at once (the run's last create was sent). */
  lookNow(): void {
    this.#poller.lookNow()
  }

  /**
   * Settles one group's creates in the shared rounds: one watch for the group (not one per item, so
   * thousands of creates waiting between two rounds stay cheap); after each round that asks for it,
   * every item whose picture asks for action acts; `finish` is told each item's end. The watch is
   * registered before this method first awaits, so a `lookNow()` right after the call includes it.
   * Throws only a cancellation.
   */
  async settle<S extends RoundSettle>(settles: readonly S[], finish: SettleFinish<S>, signal?: AbortSignal): Promise<void> {
    let open = [...settles]
    const end = (s: S, result: SettleResult): void => {
      open = open.filter((o) => o !== s)
      finish(s, result)
    }
    // Bounded: every pass either ends an item or waits for a round, and every item has a deadline.
    for (let guard = 0; open.length > 0 && guard < 1_000_000; guard++) {
      const looking = open
      let pictures: readonly WindowPicture[] | undefined
      try {
        pictures = await this.#watch(looking, Math.min(...looking.map((s) => s.deadlineMs)), signal)
      } catch (err) {
        if (err instanceof CancelledError) throw err
        if (!(err instanceof WaitTimeoutError)) {
          // A listing that failed for good ends every wait of the group with its error.
          for (const s of looking) end(s, { error: err })
          return
        }
      }
      for (const [k, s] of looking.entries()) {
        const picture = pictures?.[k]
        try {
          if (picture !== undefined && s.wantsAction(picture)) {
            const outcome = await s.act(picture)
            if (outcome !== undefined) end(s, { outcome })
          } else if (this.#deps.clock.now().getTime() >= s.deadlineMs) {
            end(s, { outcome: s.timedOut() })
          }
        } catch (err) {
          if (err instanceof CancelledError) throw err
          end(s, { error: err })
        }
      }
    }
  }

  /** One watch for these settles' windows until one of their pictures asks for action; resolves with all of them. */
  #watch(settles: readonly RoundSettle[], deadlineMs: number, signal: AbortSignal | undefined): Promise<readonly WindowPicture[]> {
    const id = String(++this.#seq)
    this.#watched.set(
      id,
      settles.map((s) => ({ volumeId: s.item.volumeId, projectId: s.item.projectId, windowKey: s.item.window.key })),
    )
    const watched: WatchedItem = { id, projectId: settles[0]?.item.projectId ?? '', since: this.#deps.clock.now() }
    return this.#poller
      .watch(watched, {
        // Every settle sees the picture (it remembers the last one), not only up to the first that asks.
        done: (pictures) => (pictures ?? []).reduce((any, p, k) => settles[k]!.wantsAction(p) || any, false),
        deadlineMs,
        what: `window confirmation of ${settles.length} snapshot create(s)`,
        target: 'settled',
        ...(signal && { signal }),
      })
      .then((p) => p ?? [])
      .finally(() => this.#watched.delete(id))
  }

  /** One look now at these windows (one listing per window key), without waiting: the end-of-run look. */
  async lookOnce(items: readonly CreateSnapshotItem[]): Promise<WindowPicture[]> {
    const keys = items.map((i) => `${i.volumeId}\u0000${i.window.key}`)
    const pictures = await this.#list(items.map((i) => ({ volumeId: i.volumeId, projectId: i.projectId, windowKey: i.window.key })))
    return keys.map((k) => pictures.get(k) ?? [])
  }

  async #round(items: readonly WatchedItem[]): Promise<ReadonlyMap<string, readonly WindowPicture[]>> {
    const groups = items.flatMap((i) => {
      const windows = this.#watched.get(i.id)
      return windows === undefined ? [] : [{ id: i.id, windows }]
    })
    const pictures = await this.#list(groups.flatMap((g) => g.windows))
    return new Map(groups.map((g) => [g.id, g.windows.map((w) => pictures.get(`${w.volumeId}\u0000${w.windowKey}`) ?? [])]))
  }

  /** One listing per window key over the projects of its volumes; the watched volumes' pictures, keyed `volume\0window`. */
  async #list(windows: readonly WindowOf[]): Promise<Map<string, SnapshotRecord[]>> {
    const projectsByKey = new Map<string, Set<string>>()
    // Only the watched volumes' snapshots are made into records (the listing has the whole window).
    const volumesByKey = new Map<string, Set<string>>()
    const wanted = new Set(windows.map((w) => `${w.volumeId}\u0000${w.windowKey}`))
    for (const w of windows) {
      const projects = projectsByKey.get(w.windowKey) ?? new Set<string>()
      projects.add(w.projectId)
      projectsByKey.set(w.windowKey, projects)
      const volumes = volumesByKey.get(w.windowKey) ?? new Set<string>()
      volumes.add(w.volumeId)
      volumesByKey.set(w.windowKey, volumes)
    }
    const pictures = new Map<string, SnapshotRecord[]>()
    for (const [windowKey, projects] of projectsByKey) {
      const listed = await this.#deps.cloud.listSnapshotsByMetadata(
        { projectIds: [...projects], volumeIds: volumesByKey.get(windowKey), metadata: { [WINDOW_METADATA_KEY]: windowKey } },
        this.#signal,
      )
      for (const s of listed) {
        // The cloud filtered by the window key already; a snapshot without it is no part of the window.
        // Volumes of the window that are not watched (settled earlier in the run) are not kept.
        if (s.metadata[WINDOW_METADATA_KEY] !== windowKey) continue
        const key = `${s.volumeId}\u0000${windowKey}`
        if (!wanted.has(key)) continue
        const list = pictures.get(key)
        if (list === undefined) pictures.set(key, [s])
        else list.push(s)
      }
    }
    return pictures
  }
}
