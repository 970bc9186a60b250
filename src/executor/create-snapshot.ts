import type { SnapshotRecord } from '../domain/inventory.ts'
import type { CreateSnapshotItem } from '../domain/plan.ts'
import { ResourceFailedError, messageOf } from './errors.ts'
import { errorCodeIs, type ItemOutcome, type ItemRun } from './item-run.ts'
import { waitForStatus } from './wait-for-status.ts'

/** Metadata key that records the schedule window on the snapshot itself. */
export const WINDOW_METADATA_KEY = 'x-snapwarden-window'

/** A create whose request has been issued (or whose snapshot was adopted). */
export interface StartedCreate {
  readonly snapshot: SnapshotRecord
  /** True when the snapshot already existed (an earlier attempt, run or crashed run made it). */
  readonly adopted: boolean
  /** Clock time (ms) of the first create request; undefined when adopted before sending any. */
  readonly startedAtMs: number | undefined
}

/** The deterministic keeper among snapshots of one window: the oldest (createdAt, then id). */
export function oldestSnapshot(list: readonly SnapshotRecord[]): SnapshotRecord | undefined {
  return [...list].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))[0]
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
      const found = oldestSnapshot(await find())
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
    run.deps.metrics.inc('snapwarden_snapshots_created_total', { policy: item.policy })
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
 * Confirms the window holds exactly one snapshot and (optionally) waits until it is available.
 * One findSnapshots call per poll both reads the status and reveals duplicates from an overlapping
 * run: the oldest is kept by every run, and a duplicate this run created is deleted.
 */
export async function settleCreate(item: CreateSnapshotItem, run: ItemRun, started: StartedCreate): Promise<ItemOutcome> {
  const { cloud, clock, sleep } = run.deps
  const filter = windowFilter(item)
  const ownId = started.adopted ? undefined : started.snapshot.id
  let ownDeleted = false

  const poll = async (): Promise<SnapshotRecord | undefined> => {
    const list = await run.retry('find_snapshots', () => cloud.findSnapshots(item.volumeId, filter, run.signal))
    const keeper = oldestSnapshot(list)
    if (keeper === undefined) return undefined
    if (ownId !== undefined && keeper.id !== ownId && !ownDeleted) {
      await deleteDuplicate(run, ownId)
      ownDeleted = true
      run.step(`deleted own duplicate ${ownId}; keeping older ${keeper.id} for the window`)
    }
    if (run.snapshotId !== keeper.id) {
      run.snapshotId = keeper.id
      if (keeper.id !== ownId) run.step(`window kept by ${keeper.id} (${keeper.status})`)
    }
    return keeper
  }

  const what = `snapshot of volume ${item.volumeId} for window ${item.window.key}`
  if (!run.settings.waitForAvailable) {
    const keeper = await poll()
    if (keeper === undefined) throw new ResourceFailedError(`${what} went away after its create`, undefined)
    if (keeper.status.toLowerCase() === 'error') throw new ResourceFailedError(`${what} is in status error`, keeper.status)
    run.step(`confirmed ${keeper.id} (${keeper.status})`)
    return { status: 'succeeded' }
  }
  const keeper = await waitForStatus(poll, {
    target: 'available',
    failures: ['error'],
    timeoutMs: run.settings.createTimeoutMs,
    intervalMs: run.settings.pollIntervalMs,
    clock,
    sleep,
    signal: run.signal,
    what,
  })
  run.step(`available: ${keeper.id}`)
  return { status: 'succeeded' }
}

const DELETABLE = new Set(['available', 'error'])

/**
 * Deletes a duplicate this run created. Cinder refuses to delete a snapshot still `creating`
 * (400), so on refusal it waits until the duplicate is deletable (or gone) and deletes again.
 */
async function deleteDuplicate(run: ItemRun, id: string): Promise<void> {
  const { cloud, clock, sleep, metrics } = run.deps
  const remove = (): Promise<void> => run.retry('delete_snapshot', () => cloud.deleteSnapshot(id, run.signal))
  try {
    await remove()
  } catch (err) {
    if (!errorCodeIs(err, 'OS_BAD_REQUEST', 400) && !errorCodeIs(err, 'OS_CONFLICT', 409)) throw err
    run.step(`duplicate ${id} not deletable yet (${messageOf(err)}); waiting for it to settle`)
    await waitForStatus(
      async () => {
        const s = await run.retry('get_snapshot', () => cloud.getSnapshot(id, run.signal))
        return { status: s === undefined || DELETABLE.has(s.status.toLowerCase()) ? 'deletable' : s.status }
      },
      { target: 'deletable', failures: [], timeoutMs: run.settings.createTimeoutMs, intervalMs: run.settings.pollIntervalMs, clock, sleep, signal: run.signal, what: `duplicate snapshot ${id}` },
    )
    await remove()
  }
  metrics.inc('snapwarden_snapshots_deleted_total', { purpose: 'duplicate' })
}
