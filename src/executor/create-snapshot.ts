import type { SnapshotRecord } from '../domain/inventory.ts'
import type { CreateSnapshotItem } from '../domain/plan.ts'
import { FAILED_SNAPSHOT_STATUSES, isFailedSnapshot, survivorOrder, windowDuplicates, type WindowVerdict } from '../domain/window-survivor.ts'
import { sleepOrCancel } from './abort.ts'
import { dedupeWindow, WINDOW_METADATA_KEY } from './dedupe-window.ts'
import { ResourceFailedError } from './errors.ts'
import type { ItemOutcome, ItemRun } from './item-run.ts'
import { waitForStatus } from './wait-for-status.ts'

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
 * it), and a snapshot an overlapping run made meanwhile is caught by settleCreate's check.
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
 * Confirms the window is held and (optionally) waits until its snapshot is available. Each poll lists
 * the window once: that reads the status and reveals duplicates from an overlapping run or a create
 * whose lost answer landed late. Whoever sees a duplicate deletes the one that loses the survivor
 * order (domain/window-survivor.ts), its own or another run's, once it is deletable; while one is not
 * yet, the window is looked at again every poll interval, up to the create timeout, and then left to
 * the next run's planner.
 */
export async function settleCreate(item: CreateSnapshotItem, run: ItemRun, started: StartedCreate): Promise<ItemOutcome> {
  const { clock, sleep } = run.deps
  const ownId = started.adopted ? undefined : started.snapshot.id
  let pending: readonly WindowVerdict[] = []
  let holder: SnapshotRecord | undefined

  const poll = async (): Promise<SnapshotRecord | undefined> => {
    const check = await dedupeWindow(run, item.volumeId, item.window.key, { ownId })
    pending = check.pending
    // No healthy snapshot: report the best failed one (ours in error, typically).
    holder = check.survivor ?? survivorOrder(check.listed)[0]
    if (holder !== undefined && run.snapshotId !== holder.id) {
      run.snapshotId = holder.id
      if (holder.id !== ownId) run.step(`window held by ${holder.id} (${holder.status})`)
    }
    return holder
  }

  const what = `snapshot of volume ${item.volumeId} for window ${item.window.key}`
  if (run.settings.waitForAvailable) {
    await waitForStatus(poll, {
      target: 'available',
      failures: FAILED_SNAPSHOT_STATUSES,
      timeoutMs: run.settings.createTimeoutMs,
      intervalMs: run.settings.pollIntervalMs,
      // A snapshot that takes minutes is looked at less often as its wait grows (up to every 60 s).
      maxIntervalMs: Math.max(run.settings.pollIntervalMs, 60_000),
      clock,
      sleep,
      signal: run.signal,
      what,
    })
  } else {
    await poll()
  }
  if (pending.length > 0) {
    const since = clock.now().getTime()
    while (pending.length > 0 && clock.now().getTime() - since < run.settings.createTimeoutMs) {
      await sleepOrCancel(sleep, run.settings.pollIntervalMs, run.signal, `duplicates in window ${item.window.key}`)
      await poll()
    }
    for (const p of pending) run.step(`left for the next run: ${p.reason}`)
  }
  const last = holder as SnapshotRecord | undefined
  if (last === undefined) throw new ResourceFailedError(`${what} went away after its create`, undefined)
  if (isFailedSnapshot(last)) throw new ResourceFailedError(`${what} is in status ${last.status}`, last.status)
  run.step(run.settings.waitForAvailable ? `available: ${last.id}` : `confirmed ${last.id} (${last.status})`)
  return { status: 'succeeded' }
}
