import type { DeleteSnapshotItem } from '../domain/plan.ts'
import { CancelledError, ResourceFailedError, RetriesExhaustedError, WaitTimeoutError, messageOf } from './errors.ts'
import { dedupeWindow } from './dedupe-window.ts'
import { errorCodeIs, type ItemOutcome, type ItemRun } from './item-run.ts'
import { waitForStatus } from './wait-for-status.ts'

const isNotFound = (err: unknown): boolean => errorCodeIs(err, 'OS_NOT_FOUND', 404)
const isForbidden = (err: unknown): boolean => errorCodeIs(err, 'OS_FORBIDDEN', 403)

/** Retention removed it: one delete request (retried on transient errors); already gone is success. */
export async function expireSnapshot(item: DeleteSnapshotItem, run: ItemRun): Promise<ItemOutcome> {
  run.snapshotId = item.snapshotId
  try {
    await run.retry('delete_snapshot', () => run.cloud.deleteSnapshot(item.snapshotId, run.signal))
    run.step('delete requested')
  } catch (err) {
    if (!isNotFound(err)) throw err
    run.step('already gone')
  }
  run.deps.metrics.inc('snapwarden_snapshots_deleted_total', { project: item.projectId, policy: item.policy ?? '', purpose: 'expire' })
  return { status: 'succeeded' }
}

/**
 * Another snapshot holds the window (the planner saw a duplicate): the window is looked at again and
 * this snapshot is deleted only if it still loses the survivor order and is deletable; otherwise
 * nothing is done (skipped, with the reason).
 */
export async function removeDuplicate(item: DeleteSnapshotItem, run: ItemRun): Promise<ItemOutcome> {
  run.snapshotId = item.snapshotId
  if (item.windowKey === undefined) throw new Error(`duplicate delete of ${item.snapshotId} without a window key`)
  const check = await dedupeWindow(run, item.volumeId, item.windowKey, { only: item.snapshotId })
  if (check.deleted.includes(item.snapshotId)) return { status: 'succeeded' }
  const now = check.listed.find((s) => s.id === item.snapshotId)
  const pending = check.pending.find((p) => p.snapshot.id === item.snapshotId)
  if (now === undefined || now.status.toLowerCase() === 'deleting') {
    run.step(now === undefined ? 'already gone' : 'already being deleted')
    return { status: 'succeeded' }
  }
  if (pending) run.step(`not deleted now: ${pending.reason}`)
  else if (now.status.toLowerCase() === 'error_deleting') run.step('in error_deleting: left to healing')
  else run.step(`not deleted: the window has changed (${check.survivor ? `held by ${check.survivor.id}` : 'no healthy snapshot holds it'})`)
  return { status: 'skipped' }
}

/**
 * A snapshot stuck in a transitional or error state: delete, wait until gone; if the delete is
 * refused, or it stays or lands in error_deleting, force-delete; a credential that may not
 * force-delete (403) leaves the item failed and reported. Every step is logged and counted.
 */
export async function healSnapshot(item: DeleteSnapshotItem, run: ItemRun): Promise<ItemOutcome> {
  const id = item.snapshotId
  run.snapshotId = id
  const step = (name: string, text: string): void => {
    run.deps.metrics.inc('snapwarden_heal_steps_total', { step: name })
    run.step(text, { healStep: name, statusBefore: item.status })
  }
  const gone = (how: string): ItemOutcome => {
    step('gone', `gone (${how})`)
    run.deps.metrics.inc('snapwarden_snapshots_deleted_total', { project: item.projectId, policy: item.policy ?? '', purpose: 'heal' })
    return { status: 'succeeded' }
  }

  step('delete', `delete requested (status was ${item.status})`)
  let escalate: string
  try {
    await run.retry('delete_snapshot', () => run.cloud.deleteSnapshot(id, run.signal))
    await waitGone(run, id)
    return gone('after delete')
  } catch (err) {
    if (err instanceof CancelledError) throw err
    if (isNotFound(err)) return gone('already')
    if (err instanceof WaitTimeoutError || err instanceof ResourceFailedError) escalate = `still there after delete: ${err.message}`
    else if (err instanceof RetriesExhaustedError || !(err instanceof Error)) throw err
    else escalate = `delete refused: ${messageOf(err)}`
  }
  step('delete_failed', escalate)

  step('force_delete', 'force-delete requested')
  try {
    await run.retry('force_delete_snapshot', () => run.cloud.forceDeleteSnapshot(id, run.signal))
  } catch (err) {
    if (isNotFound(err)) return gone('already')
    if (!isForbidden(err)) throw err
    const message = `snapshot ${id} is stuck (${item.status}) and the credential may not force-delete it (403); reported for an operator`
    step('reported', message)
    run.deps.metrics.inc('snapwarden_item_failures_total', { action: 'heal', code: 'OS_FORBIDDEN' })
    run.log.warn({ snapshotId: id, status: item.status }, message)
    return { status: 'failed', error: { code: 'OS_FORBIDDEN', message } }
  }
  await waitGone(run, id)
  return gone('after force-delete')
}

function waitGone(run: ItemRun, id: string): Promise<unknown> {
  return waitForStatus(() => run.retry('get_snapshot', () => run.cloud.getSnapshot(id, run.signal)), {
    target: 'deleted',
    failures: ['error_deleting'],
    timeoutMs: run.settings.healTimeoutMs,
    intervalMs: run.settings.pollIntervalMs,
    clock: run.deps.clock,
    sleep: run.deps.sleep,
    signal: run.signal,
    what: `snapshot ${id}`,
  })
}
