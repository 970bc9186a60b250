/**
 * One look at a window (volume + window key, which names the policy): its snapshots, listed by this
 * item (a planned duplicate delete checks the picture again before deleting) or by a run's listing
 * round (window-rounds.ts: after a create, and at the end of a run for creates whose answer was
 * lost); the duplicates that lose the survivor order (domain/window-survivor.ts), ours or another
 * run's, are deleted as soon as they are deletable.
 */
import type { SnapshotRecord } from '../domain/inventory.ts'
import { windowDuplicates, type WindowVerdict } from '../domain/window-survivor.ts'
import { messageOf } from './errors.ts'
import { errorCodeIs, type ItemRun } from './item-run.ts'

/** Metadata key that records the schedule window on the snapshot itself. */
export const WINDOW_METADATA_KEY = 'x-snapwarden-window'

export interface WindowCheck {
  /** The snapshot that holds the window (healthy); undefined when none is. */
  readonly survivor: SnapshotRecord | undefined
  /** The window's snapshots as listed, without the ones this check deleted. */
  readonly listed: readonly SnapshotRecord[]
  readonly deleted: readonly string[]
  /** Duplicates still there: not deletable yet, their delete was refused, or the survivor is still creating. */
  readonly pending: readonly WindowVerdict[]
}

export interface DedupeOptions {
  /** The snapshot this run created (named "own" in steps). */
  readonly ownId?: string | undefined
  /** Only these may be deleted (a planned duplicate delete touches its own snapshot only). */
  readonly only?: string
}

export function findWindow(run: ItemRun, volumeId: string, windowKey: string): Promise<SnapshotRecord[]> {
  return run.retry('find_snapshots', () => run.cloud.findSnapshots(volumeId, { [WINDOW_METADATA_KEY]: windowKey }, run.signal))
}

export async function dedupeWindow(run: ItemRun, volumeId: string, windowKey: string, opts: DedupeOptions = {}): Promise<WindowCheck> {
  return settleWindow(run, await findWindow(run, volumeId, windowKey), windowKey, opts)
}

/** Acts on a window's snapshots as listed (by this item's look, or by a run's listing round). */
export async function settleWindow(run: ItemRun, list: readonly SnapshotRecord[], windowKey: string, opts: DedupeOptions = {}): Promise<WindowCheck> {
  const verdict = windowDuplicates(list, windowKey)
  const deleted: string[] = []
  const pending: WindowVerdict[] = [...verdict.later]
  for (const d of verdict.remove) {
    if (opts.only !== undefined && d.snapshot.id !== opts.only) continue
    if (await deleteDuplicate(run, d, opts.ownId)) deleted.push(d.snapshot.id)
    else pending.push(d)
  }
  return { survivor: verdict.survivor, listed: list.filter((s) => !deleted.includes(s.id)), deleted, pending }
}

/** One delete request; gone already is done (another run removed it), refused (400/409) is left for a later look. */
async function deleteDuplicate(run: ItemRun, d: WindowVerdict, ownId: string | undefined): Promise<boolean> {
  const id = d.snapshot.id
  const whose = id === ownId ? 'own' : "another run's"
  try {
    await run.retry('delete_snapshot', () => run.cloud.deleteSnapshot(id, run.signal))
  } catch (err) {
    if (errorCodeIs(err, 'OS_NOT_FOUND', 404)) {
      run.step(`duplicate ${id} already gone`)
      return true
    }
    if (errorCodeIs(err, 'OS_BAD_REQUEST', 400) || errorCodeIs(err, 'OS_CONFLICT', 409)) {
      run.step(`duplicate ${id} not deletable now (${messageOf(err)}); looking again later`)
      return false
    }
    throw err
  }
  run.deps.metrics.inc('snapwarden_snapshots_deleted_total', {
    project: d.snapshot.projectId,
    policy: d.snapshot.metadata['x-snapwarden-policy'] ?? '',
    purpose: 'duplicate',
  })
  run.step(`deleted ${whose} duplicate ${id} (${d.snapshot.status}): ${d.reason}`)
  return true
}
