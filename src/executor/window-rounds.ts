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
import type { ExecutorDeps, ItemSettings } from './item-run.ts'
import { ListingPoller, type WatchedItem } from './poll-by-listing.ts'

/** One volume's snapshots in one window, as a round listed them. */
export type WindowPicture = readonly SnapshotRecord[]

interface WindowOf {
  readonly volumeId: string
  readonly projectId: string
  readonly windowKey: string
}

export interface WindowWatch {
  /** True when the wait is over for this picture (the item acts on it, or is done). */
  readonly done: (picture: WindowPicture) => boolean
  /** Clock time (ms) after which the wait ends with WaitTimeoutError (after one last look). */
  readonly deadlineMs: number
  readonly signal?: AbortSignal | undefined
  /** Names the item in messages. */
  readonly what: string
  /** The status waited for (for WaitTimeoutError). */
  readonly target: string
  /** The status a timed-out wait reports. */
  readonly statusOf: (picture: WindowPicture) => string | undefined
}

/** A snapshot interval of `pollIntervalMs` backs off (doubling) to this as its wait grows. */
export const MAX_SNAPSHOT_POLL_MS = 60_000

export class WindowRounds {
  readonly #deps: Pick<ExecutorDeps, 'cloud' | 'clock'>
  readonly #signal: AbortSignal | undefined
  readonly #poller: ListingPoller<WindowPicture>
  readonly #watched = new Map<string, WindowOf>()
  #seq = 0
  #listings = 0

  constructor(deps: ExecutorDeps, settings: ItemSettings, signal?: AbortSignal) {
    this.#deps = deps
    this.#signal = signal
    this.#poller = new ListingPoller<WindowPicture>({
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

  /** Window listings sent so far (each round: one per window key and scope). */
  get listings(): number {
    return this.#listings
  }

  /** Every window watched now is looked at in one round at once (the run's last create was sent). */
  lookNow(): void {
    this.#poller.lookNow()
  }

  /**
   * Waits in the shared rounds until `done(picture)` for this item's window; resolves with that
   * picture. The watch is registered synchronously (before the first await), so a `lookNow()` right
   * after this call includes it.
   */
  watch(item: CreateSnapshotItem, opts: WindowWatch): Promise<WindowPicture> {
    const id = String(++this.#seq)
    this.#watched.set(id, { volumeId: item.volumeId, projectId: item.projectId, windowKey: item.window.key })
    const watched: WatchedItem = { id, projectId: item.projectId, since: this.#deps.clock.now() }
    return this.#poller
      .watch(watched, {
        done: (p) => opts.done(p ?? []),
        deadlineMs: opts.deadlineMs,
        what: opts.what,
        target: opts.target,
        statusOf: (p) => opts.statusOf(p ?? []),
        ...(opts.signal && { signal: opts.signal }),
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

  async #round(items: readonly WatchedItem[]): Promise<ReadonlyMap<string, WindowPicture>> {
    const windows = items.flatMap((i) => {
      const w = this.#watched.get(i.id)
      return w === undefined ? [] : [{ id: i.id, ...w }]
    })
    const pictures = await this.#list(windows)
    return new Map(windows.map((w) => [w.id, pictures.get(`${w.volumeId}\u0000${w.windowKey}`) ?? []]))
  }

  /** One listing per window key over the projects of its volumes; pictures keyed `volume\0window`. */
  async #list(windows: readonly WindowOf[]): Promise<Map<string, SnapshotRecord[]>> {
    const projectsByKey = new Map<string, Set<string>>()
    for (const w of windows) {
      const projects = projectsByKey.get(w.windowKey) ?? new Set<string>()
      projects.add(w.projectId)
      projectsByKey.set(w.windowKey, projects)
    }
    const pictures = new Map<string, SnapshotRecord[]>()
    for (const [windowKey, projects] of projectsByKey) {
      this.#listings++
      const listed = await this.#deps.cloud.listSnapshotsByMetadata({ projectIds: [...projects], metadata: { [WINDOW_METADATA_KEY]: windowKey } }, this.#signal)
      for (const s of listed) {
        // The cloud filtered by the window key already; a snapshot without it is no part of the window.
        if (s.metadata[WINDOW_METADATA_KEY] !== windowKey) continue
        const key = `${s.volumeId}\u0000${windowKey}`
        const list = pictures.get(key)
        if (list === undefined) pictures.set(key, [s])
        else list.push(s)
      }
    }
    return pictures
  }
}
