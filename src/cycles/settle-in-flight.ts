/**
 * The backups a daemon cycle left in flight, settled from the next cycle's own `backups/detail`
 * listing (the inventory lists backups anyway): no poll of its own. available → the task succeeded
 * (its backup row available); error → failed; not listed → failed (gone); still creating → left
 * open (past its deadline a claimer takes it over and cancels it, see executeClaimed).
 */
import type { ErrorInfo } from '../domain/errors.ts'
import type { BackupRecord } from '../domain/inventory.ts'
import type { BackupTask, TaskOutcome } from '../domain/store-port.ts'
import { CLOCK_SKEW_MARGIN_MS } from '../executor/poll-by-listing.ts'
import type { BackupTaskResult } from '../executor/run-backup-tasks.ts'
import type { BackupCycleDeps } from './backup-inventory.ts'

export interface SettleInput {
  /** When the listing was started: a task not listed is gone only if it started well before. */
  readonly listedAt: Date
  readonly backups: readonly BackupRecord[]
  /** Projects the listing covered (undefined: every project, all_tenants). */
  readonly projectIds: ReadonlySet<string> | undefined
  readonly openTasks: readonly BackupTask[]
}

/** Settles what the listing shows ended; returns a result per task settled (by this call, not another daemon's). */
export async function settleInFlight(deps: BackupCycleDeps, input: SettleInput): Promise<BackupTaskResult[]> {
  const byId = new Map(input.backups.map((b) => [b.id, b]))
  const results: BackupTaskResult[] = []
  for (const task of input.openTasks) {
    const id = task.backupId
    if (task.state !== 'started' || id === undefined || task.startedAt === undefined) continue
    if (input.projectIds !== undefined && !input.projectIds.has(task.projectId)) continue
    const seen = byId.get(id)
    // Not listed: gone, unless it may have been made after the listing began (another daemon's
    // clock may run ahead of ours): then its deadline decides.
    if (seen === undefined && task.startedAt.getTime() >= input.listedAt.getTime() - CLOCK_SKEW_MARGIN_MS) continue
    let outcome: TaskOutcome
    let error: ErrorInfo | undefined
    let step: string
    if (seen === undefined) {
      outcome = 'failed'
      error = { code: 'OS_RESOURCE_FAILED', message: `backup ${id} went away before it became available (not in the backups listing)` }
      step = `gone: ${id} (not listed)`
    } else if (seen.status === 'available') {
      outcome = 'succeeded'
      step = `available: ${id} (seen in the next cycle's listing)`
    } else if (seen.status === 'error') {
      outcome = 'failed'
      error = { code: 'OS_RESOURCE_FAILED', message: `backup ${id} transitioned to failure state error` }
      step = `error: ${id} (seen in the next cycle's listing)`
    } else continue
    // The backup's row first, then the task: a crash in between leaves the task open, and the next
    // cycle settles it again (every write here is idempotent); the other order could leave a
    // finished task whose row says `creating` for ever. The row only says what Cinder listed.
    // Recorded should its sender have died between recording the id and the row (a no-op otherwise).
    await deps.store.recordBackup({
      backupId: id, volumeId: task.volumeId, serverId: task.serverId, projectId: task.projectId, taskId: task.id,
      kind: seen ? (seen.isIncremental ? 'incremental' : 'full') : task.kind,
      status: seen?.status ?? 'creating', createdAt: seen?.createdAt ?? task.startedAt,
      ...(task.backupName && { name: task.backupName }),
      ...(seen?.isIncremental && task.parentBackupId && { parentBackupId: task.parentBackupId }),
    })
    if (outcome === 'succeeded') await deps.store.updateBackupStatus(id, 'available', deps.clock.now())
    else if (seen === undefined) await deps.store.markBackupDeleted(id, deps.clock.now())
    else await deps.store.updateBackupStatus(id, 'error')
    // False: another daemon settled it, or a claimer holds it past its deadline (it finishes it).
    if (!(await deps.store.settleInFlight(task.id, id, outcome, deps.clock.now(), error))) continue
    deps.metrics.inc('snapwarden_backup_tasks_total', { outcome })
    results.push({
      taskId: task.id, volumeId: task.volumeId, serverId: task.serverId, projectId: task.projectId, outcome, backupId: id, kind: task.kind, steps: [step], ...(error && { error }),
    })
  }
  if (results.length) deps.logger.info({ settled: results.length, failed: results.filter((r) => r.outcome !== 'succeeded').length }, 'backups left in flight by an earlier cycle settled from this cycle\'s listing')
  return results
}
