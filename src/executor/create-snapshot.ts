import type { SnapshotRecord } from '../domain/inventory.ts'
import type { CreateSnapshotItem } from '../domain/plan.ts'
import { isFailedSnapshot, survivorOrder, windowDuplicates, type WindowVerdict } from '../domain/window-survivor.ts'
import { settleWindow, WINDOW_METADATA_KEY } from './dedupe-window.ts'
import { ResourceFailedError, WaitTimeoutError } from './errors.ts'
import type { ItemOutcome, ItemRun } from './item-run.ts'
import type { WindowRounds } from './window-rounds.ts'

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
 * it), and a snapshot an overlapping run made meanwhile is caught by settleCreate's check. The look
 * on a retry is this item's own (findSnapshots: one volume's window), not a round's.
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
        metadata: { ...item.metadata, ...filter },
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
 * Confirms the window is held and (optionally) waits until its snapshot is available, in the run's
 * listing rounds (window-rounds.ts: one listing per window key for every volume in flight, the
 * interval backing off as the wait grows). A round's picture of the window reads the status and
 * reveals duplicates from an overlapping run or a create whose lost answer landed late. Whoever sees
 * a duplicate deletes the one that loses the survivor order (domain/window-survivor.ts), its own or
 * another run's, once it is deletable; while one is not yet, the window is looked at again in later
 * rounds, up to the create timeout, and then left to the next run's planner.
 *
 * The watch is registered before this function first awaits, so the run's `lookNow()` after its
 * last create includes it.
 */
export async function settleCreate(item: CreateSnapshotItem, run: ItemRun, started: StartedCreate, rounds: WindowRounds): Promise<ItemOutcome> {
  const { clock } = run.deps
  const ownId = started.adopted ? undefined : started.snapshot.id
  const wait = run.settings.waitForAvailable
  const key = item.window.key
  const what = `snapshot of volume ${item.volumeId} for window ${key}`
  const holderOf = (list: readonly SnapshotRecord[], survivor: SnapshotRecord | undefined): SnapshotRecord | undefined =>
    // No healthy snapshot: report the best failed one (ours in error, typically).
    survivor ?? survivorOrder(list)[0]
  const ready = (h: SnapshotRecord): boolean => !wait || h.status.toLowerCase() === 'available'

  // Phase `confirm`: until the window's holder is there (and available, when waiting). Phase
  // `duplicates`: the holder is, but a duplicate is not deletable yet; looked at up to the create
  // timeout again, then left for the next run.
  let phase: 'confirm' | 'duplicates' = 'confirm'
  let deadlineMs = clock.now().getTime() + run.settings.createTimeoutMs
  let last: readonly SnapshotRecord[] = []
  const done = (list: readonly SnapshotRecord[]): boolean => {
    last = list
    const v = windowDuplicates(list, key)
    const h = holderOf(list, v.survivor)
    if (v.remove.length > 0 || h === undefined || isFailedSnapshot(h)) return true
    return ready(h) && (phase === 'confirm' || v.later.length === 0)
  }
  let holder: SnapshotRecord | undefined
  let pending: readonly WindowVerdict[] = []
  // Bounded: every watch has a deadline, and a round that deletes removes a snapshot for good.
  for (let guard = 0; guard < 10_000; guard++) {
    let list: readonly SnapshotRecord[]
    try {
      list = await rounds.watch(item, {
        done,
        deadlineMs,
        signal: run.signal,
        what,
        target: wait ? 'available' : 'listed',
        statusOf: (l) => holderOf(l, windowDuplicates(l, key).survivor)?.status,
      })
    } catch (err) {
      if (!(err instanceof WaitTimeoutError) || phase !== 'duplicates') throw err
      pending = windowDuplicates(last, key).later
      break
    }
    const check = await settleWindow(run, list, key, { ownId })
    pending = check.pending
    holder = holderOf(check.listed, check.survivor)
    if (holder !== undefined && run.snapshotId !== holder.id) {
      run.snapshotId = holder.id
      if (holder.id !== ownId) run.step(`window held by ${holder.id} (${holder.status})`)
    }
    if (holder === undefined) throw new ResourceFailedError(`${what} went away after its create`, undefined)
    if (isFailedSnapshot(holder)) throw new ResourceFailedError(`${what} is in status ${holder.status}`, holder.status)
    const late = clock.now().getTime() >= deadlineMs
    if (!ready(holder)) {
      // A duplicate whose delete is refused ends every round's wait: the deadline still holds.
      if (late) throw new WaitTimeoutError(what, 'available', run.settings.createTimeoutMs, holder.status)
      continue
    }
    if (pending.length === 0 || (late && phase === 'duplicates')) break
    if (phase === 'confirm') {
      phase = 'duplicates'
      deadlineMs = clock.now().getTime() + run.settings.createTimeoutMs
    }
  }
  for (const p of pending) run.step(`left for the next run: ${p.reason}`)
  const final = holder
  if (final === undefined) throw new ResourceFailedError(`${what} went away after its create`, undefined)
  run.step(wait ? `available: ${final.id}` : `confirmed ${final.id} (${final.status})`)
  return { status: 'succeeded' }
}
