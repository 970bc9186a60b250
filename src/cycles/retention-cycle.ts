/** The retention cycle: chain-aware expiry of backups, children first, never a blocking retry loop. */
import { toErrorInfo } from '../domain/errors.ts'
import type { BackupRecord } from '../domain/inventory.ts'
import type { ListScope } from '../domain/ports.ts'
import { deletingBackupsPoller, type ListingPoller } from '../executor/poll-by-listing.ts'
import { Pool } from '../executor/pool.ts'
import type { BackupDiscoveryProblem } from '../planner/backup-discovery.ts'
import { isManagedBackup } from '../planner/backup-marks.ts'
import { planBackupRetention, type VolumeRetentionPlan } from '../planner/backup-retention-plan.ts'
import type { BackupRetentionResult } from '../planner/backup-retention.ts'
import { backupInventory, defaultRetention, type BackupCycleDeps, type BackupCycleOptions } from './backup-inventory.ts'
import { recordedRun } from './run-record.ts'

/** A delete that was refused or did not finish: retried at the next retention cycle. */
export interface RetentionFailure {
  readonly backupId: string
  readonly volumeId: string
  readonly projectId: string
  readonly code: string
  readonly message: string
}

export interface RetentionReport {
  readonly now: Date
  /** Per volume; `held` when its server's backup metadata cannot be read (nothing of it is removed). */
  readonly perVolume: readonly VolumeRetentionPlan[]
  /** Server metadata that cannot be read (named server, key, value, accepted): exit 3 and the webhook. */
  readonly problems: readonly BackupDiscoveryProblem[]
  readonly deleted: readonly string[]
  readonly failed: readonly RetentionFailure[]
  readonly closedRows: number
  /** History rows deleted at the end (finished tasks and runs older than conductor.task_history). */
  readonly pruned?: { readonly tasks: number; readonly runs: number }
}

/**
 * Retention: chain-aware, deletes children first, never blocks on "Incremental backups exist".
 * A cycle that acts is recorded in the run log and ends by pruning the store's history: finished
 * task rows and run records older than `conductor.task_history`.
 */
export async function runRetentionCycle(deps: BackupCycleDeps, opts: BackupCycleOptions): Promise<RetentionReport> {
  if (opts.planOnly || opts.dryRun) return retentionCycle(deps, opts)
  return recordedRun(
    deps,
    'retention',
    async () => {
      const report = await retentionCycle(deps, opts)
      const before = new Date(report.now.getTime() - deps.config.conductor.task_history * 1000)
      return { ...report, pruned: { tasks: await deps.store.pruneTasks(before), runs: await deps.store.pruneRuns(before) } }
    },
    (r) => ({
      failed: r.failed.length + r.problems.length,
      summary: { deleted: r.deleted.length, failed: r.failed.length, problems: r.problems.length, closed_rows: r.closedRows, pruned_tasks: r.pruned?.tasks ?? 0 },
    }),
  )
}

async function retentionCycle(deps: BackupCycleDeps, opts: BackupCycleOptions): Promise<RetentionReport> {
  const c = deps.config.conductor
  const { now, scope, backups, discovery } = await backupInventory(deps, opts)
  // Backups deleted outside Snapwarden close their rows. Only rows older than the listing: a
  // backup a concurrent backup cycle created after `now` is simply not in the listing yet.
  const present = new Set(backups.map((b) => b.id))
  const trackedRows = await deps.store.listBackups({ includeDeleted: false })
  let closedRows = 0
  if (!opts.planOnly && !opts.dryRun) {
    for (const tracked of trackedRows) {
      if (tracked.createdAt.getTime() < now.getTime() && scopeCovers(scope, tracked.projectId) && !present.has(tracked.backupId)) {
        if (await deps.store.markBackupDeleted(tracked.backupId, now)) closedRows++
      }
    }
  }
  // A backup the store tracks is ours even without a mark: Staffeln marked nothing on the backups
  // `adopt staffeln` brought in.
  const trackedIds = new Set(trackedRows.map((t) => t.backupId))
  const isManaged = (b: BackupRecord): boolean => isManagedBackup(b) || trackedIds.has(b.id)
  // A server whose backup metadata cannot be read holds every backup of its volumes (planner).
  for (const p of discovery.problems) deps.logger.warn({ serverId: p.serverId, key: p.key, value: p.value }, p.message)
  const perVolume = planBackupRetention({
    backups,
    discovery,
    defaultRetention: defaultRetention(deps.config),
    ...(c.keep_count !== undefined ? { keepCount: c.keep_count } : {}),
    ...(c.keep_tiers !== undefined ? { tiers: c.keep_tiers } : {}),
    timezone: deps.config.timezone,
    now,
    isManaged,
  })
  const deleted: string[] = []
  const failed: RetentionFailure[] = []
  if (!opts.planOnly && !opts.dryRun) {
    // Slots bound the deletes sent at once; a volume waiting for a child to go holds none, and one
    // `backups/detail?status=deleting` listing per round tells every waiting volume at once.
    const pool = new Pool({ global: c.backup_workers, perProject: c.backup_workers })
    const deleting = deletingBackupsPoller(deps)
    await Promise.all(perVolume.map(({ result }) => deleteChildrenFirst(deps, result, now, deleted, failed, { pool, deleting, signal: opts.signal })))
  }
  return { now, perVolume, problems: discovery.problems, deleted, failed, closedRows }
}

/**
 * Deletes one volume's expired backups in the planned order (children first). Cinder refuses a
 * parent while a child is still `deleting`, so each delete is followed until the backup is gone
 * before the next one is sent. A refusal or a delete that does not finish in time stops this
 * volume until the next retention cycle: nothing is retried in a loop.
 */
async function deleteChildrenFirst(
  deps: BackupCycleDeps,
  result: BackupRetentionResult,
  now: Date,
  deleted: string[],
  failed: RetentionFailure[],
  run: { readonly pool: Pool; readonly deleting: ListingPoller<BackupRecord>; readonly signal?: AbortSignal | undefined },
): Promise<void> {
  const { signal } = run
  const timeoutMs = deps.config.conductor.backup_cycle_timeout * 1000
  for (const [i, { backup }] of result.remove.entries()) {
    try {
      await run.pool.run(backup.projectId, () => deps.cloud.deleteBackup(backup.id, signal), signal ? { signal } : {})
      if (i < result.remove.length - 1) {
        // Gone, or no longer `deleting` (a failed delete: Cinder then refuses the parent, and this
        // volume waits for the next cycle).
        await run.deleting.watch(
          { id: backup.id, projectId: backup.projectId, since: deps.clock.now() },
          {
            done: (b) => b === undefined,
            deadlineMs: deps.clock.now().getTime() + timeoutMs,
            what: `backup ${backup.id} being deleted`,
            target: 'deleted',
            statusOf: (b) => b?.status,
            ...(signal ? { signal } : {}),
          },
        )
      }
      await deps.store.markBackupDeleted(backup.id, now)
      deleted.push(backup.id)
      deps.metrics.inc('snapwarden_backups_deleted_total', { project: backup.projectId })
    } catch (err) {
      const info = toErrorInfo(err)
      failed.push({ backupId: backup.id, volumeId: backup.volumeId, projectId: backup.projectId, ...info })
      deps.logger.warn({ backupId: backup.id, volumeId: backup.volumeId, error: info }, 'backup delete refused or unfinished; retried next retention cycle')
      return
    }
  }
}

function scopeCovers(scope: ListScope, projectId: string): boolean {
  return scope.allProjects || scope.projectId === projectId
}
