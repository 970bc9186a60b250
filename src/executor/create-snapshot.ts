import type { SnapshotRecord } from '../domain/inventory.ts'
import type { CreateSnapshotItem } from '../domain/plan.ts'
import { isFailedSnapshot, survivorOrder, windowDuplicates, type WindowVerdict } from '../domain/window-survivor.ts'
import { settleWindow, WINDOW_METADATA_KEY } from './dedupe-window.ts'
import { ResourceFailedError, WaitTimeoutError } from './errors.ts'
import type { ItemOutcome, ItemRun } from './item-run.ts'

export { WINDOW_METADATA_KEY } from './dedupe-window.ts'

/** A create whose request has been issued (or whose snapshot was adopted). */
export interface StartedCreate {
  readonly snapshot: SnapshotRecord
  /** True when the snapshot already existed (an earlier attempt, run or crashed run made it). */
  readonly adopted: boolean
  /** Clock time (ms) of the first create request; undefined when adopted before sending any. */
  readonly startedAtMs: number | undefined
}

const windowFilter = (item: CreateSnapshotItem): Record<string, string> => ({ [WINDOW_METADATA_KEY]: item.window.key })

/**
 * Issues the create; after a transient failure (a lost response) looks for the window's snapshot
 * before creating again, so a retry never yields a second snapshot. There is no look before the
 * first create: the plan was built from a listing moments earlier (a crashed run's snapshot is in
 * it), and a snapshot an overlapping run made meanwhile is caught by CreateSettle's look in the
 * run's rounds. The look on a retry is this item's own (findSnapshots: one volume's window), not a
 * round's.
 */
export async function startCreate(item: CreateSnapshotItem, run: ItemRun): Promise<StartedCreate> {
  const { cloud, clock } = run.deps
  const filter = windowFilter(item)
  const find = (): Promise<SnapshotRecord[]> => cloud.findSnapshots(item.volumeId, filter, run.signal)

  let startedAtMs: number | undefined
  return run.retry('create_snapshot', async (attempt) => {
    if (attempt > 1) {
      // The failed attempt may still land (a lost answer): the run looks at the window again at its end.
      run.createMayLandLate = true
      // Only a healthy snapshot is adopted: an `error` one in the window never holds it.
      const found = windowDuplicates(await find(), item.window.key).survivor
      if (found) return adopt(run, found, 'found after a create whose answer was lost', startedAtMs)
      run.step(`no snapshot for the window after the failed create; creating again (attempt ${attempt})`)
    }
    startedAtMs ??= clock.now().getTime()
    const snapshot = await cloud.createSnapshot(
      {
        volumeId: item.volumeId,
        projectId: item.projectId,
        name: item.name,
        description: item.description,
        // The plan's marks carry the window key already (shared by the creates of one window);
        // a new object only for an item whose marks do not.
        metadata: item.metadata[WINDOW_METADATA_KEY] === item.window.key ? item.metadata : { ...item.metadata, ...filter },
        force: run.settings.forceInUse,
      },
      run.signal,
    )
    run.snapshotId = snapshot.id
    run.deps.metrics.inc('snapwarden_snapshots_created_total', { project: item.projectId, policy: item.policy })
    run.step(`create requested: ${snapshot.id}`, { status: snapshot.status })
    return { snapshot, adopted: false, startedAtMs }
  })
}

function adopt(run: ItemRun, snapshot: SnapshotRecord, why: string, startedAtMs?: number): StartedCreate {
  run.snapshotId = snapshot.id
  run.step(`adopted ${snapshot.id} (${snapshot.status}): ${why}`)
  return { snapshot, adopted: true, startedAtMs }
}

/**
 * One create's confirmation (and, optionally, its wait until available), driven by the run's listing
 * rounds (window-rounds.ts: one listing per window key for every volume in flight, the interval
 * backing off as the wait grows). A round's picture of the window reads the status and reveals
 * duplicates from an overlapping run or a create whose lost answer landed late. Whoever sees a
 * duplicate deletes the one that loses the survivor order (domain/window-survivor.ts), its own or
 * another run's, once it is deletable; while one is not yet, the window is looked at again in later
 * rounds, up to the create timeout, and then left to the next run's planner.
 *
 * Phase `confirm`: until the window's holder is there (and available, when waiting). Phase
 * `duplicates`: the holder is, but a duplicate is not deletable yet. Kept small: a run of 10k
 * volumes has thousands of these waiting between two rounds.
 */
export class CreateSettle {
  readonly item: CreateSnapshotItem
  readonly run: ItemRun
  readonly #ownId: string | undefined
  #phase: 'confirm' | 'duplicates' = 'confirm'
  /** Clock time (ms) by which this phase must end. */
  deadlineMs: number
  #holder: SnapshotRecord | undefined
  /** The last picture a round gave (for a timeout's steps). */
  #last: readonly SnapshotRecord[] = []

  constructor(item: CreateSnapshotItem, run: ItemRun, started: StartedCreate) {
    this.item = item
    this.run = run
    this.#ownId = started.adopted ? undefined : started.snapshot.id
    this.deadlineMs = run.deps.clock.now().getTime() + run.settings.createTimeoutMs
  }

  get #what(): string {
    return `snapshot of volume ${this.item.volumeId} for window ${this.item.window.key}`
  }

  #ready(h: SnapshotRecord): boolean {
    return !this.run.settings.waitForAvailable || h.status.toLowerCase() === 'available'
  }

  /** True when this picture asks for action: a duplicate to delete, or an answer (held, failed, gone). */
  wantsAction(picture: readonly SnapshotRecord[]): boolean {
    this.#last = picture
    const v = windowDuplicates(picture, this.item.window.key)
    const h = v.survivor ?? survivorOrder(picture)[0]
    if (v.remove.length > 0 || h === undefined || isFailedSnapshot(h)) return true
    return this.#ready(h) && (this.#phase === 'confirm' || v.later.length === 0)
  }

  /** The holder's status in the last picture (for a timeout's message). */
  lastStatus(): string | undefined {
    return (windowDuplicates(this.#last, this.item.window.key).survivor ?? survivorOrder(this.#last)[0])?.status
  }

  /**
   * Acts on a picture that wanted action: deletes what loses, and answers with the item's outcome
   * when it is settled (undefined: look again in a later round). Throws ResourceFailedError when
   * the window's snapshot went away or failed, WaitTimeoutError when its time ran out.
   */
  async act(picture: readonly SnapshotRecord[]): Promise<ItemOutcome | undefined> {
    const { run, item } = this
    const check = await settleWindow(run, picture, item.window.key, { ownId: this.#ownId })
    const holder = check.survivor ?? survivorOrder(check.listed)[0]
    this.#holder = holder
    if (holder !== undefined && run.snapshotId !== holder.id) {
      run.snapshotId = holder.id
      if (holder.id !== this.#ownId) run.step(`window held by ${holder.id} (${holder.status})`)
    }
    if (holder === undefined) throw new ResourceFailedError(`${this.#what} went away after its create`, undefined)
    if (isFailedSnapshot(holder)) throw new ResourceFailedError(`${this.#what} is in status ${holder.status}`, holder.status)
    const late = run.deps.clock.now().getTime() >= this.deadlineMs
    if (!this.#ready(holder)) {
      // A duplicate whose delete is refused asks for action every round: the deadline still holds.
      if (late) throw new WaitTimeoutError(this.#what, 'available', run.settings.createTimeoutMs, holder.status)
      return undefined
    }
    if (check.pending.length === 0) return this.#settled([])
    if (late && this.#phase === 'duplicates') return this.#settled(check.pending)
    if (this.#phase === 'confirm') {
      this.#phase = 'duplicates'
      this.deadlineMs = run.deps.clock.now().getTime() + run.settings.createTimeoutMs
    }
    return undefined
  }

  /** The deadline passed with no picture asking for action: timed out, or (duplicates) left for the next run. */
  timedOut(): ItemOutcome {
    if (this.#phase === 'confirm') {
      throw new WaitTimeoutError(this.#what, this.run.settings.waitForAvailable ? 'available' : 'listed', this.run.settings.createTimeoutMs, this.lastStatus())
    }
    return this.#settled(windowDuplicates(this.#last, this.item.window.key).later)
  }

  #settled(pending: readonly WindowVerdict[]): ItemOutcome {
    const { run } = this
    for (const p of pending) run.step(`left for the next run: ${p.reason}`)
    const final = this.#holder
    if (final === undefined) throw new ResourceFailedError(`${this.#what} went away after its create`, undefined)
    run.step(run.settings.waitForAvailable ? `available: ${final.id}` : `confirmed ${final.id} (${final.status})`)
    return { status: 'succeeded' }
  }
}
