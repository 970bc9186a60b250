/** Each cycle's report as the failed items the webhook (and the daemon's job outcome) are built from. */
import type { FailedItem, FailureCounts } from '../domain/failure-report.ts'
import type { BackupTaskResult } from '../executor/run-backup-tasks.ts'
import type { BackupCycleReport } from './backup-inventory.ts'
import type { RetentionReport } from './retention-cycle.ts'
import type { CycleReport } from './snapshot-cycle.ts'

export interface CycleFailures {
  readonly counts: FailureCounts
  readonly failed: readonly FailedItem[]
}

export function snapshotCycleFailures(report: CycleReport): CycleFailures {
  const failed: FailedItem[] = [
    ...(report.result?.items ?? [])
      .filter((r) => r.status === 'failed')
      .map((r) => ({
        action: r.item.action,
        volumeId: r.item.volumeId,
        projectId: r.item.projectId,
        ...(r.snapshotId ? { snapshotId: r.snapshotId } : {}),
        ...(r.item.policy ? { policy: r.item.policy } : {}),
        error: r.error ?? { code: 'INTERNAL', message: 'failed' },
      })),
    ...report.problems.map((p) => ({
      action: 'parse-policy',
      volumeId: p.volumeId,
      projectId: '',
      ...(p.policy ? { policy: p.policy } : {}),
      error: { code: 'PLAN_POLICY_INVALID', message: p.message },
    })),
  ]
  return { counts: report.result?.counts ?? { succeeded: 0, failed: 0, skipped: 0 }, failed }
}

/**
 * A backup run's results as failures. A task left in flight (`in_flight`: sent, settles next cycle)
 * is neither failed nor succeeded here: the cycle that settles it counts it. With the planning
 * cycle's report, what it did not send counts too: a backup over its project's quota (recorded,
 * never sent) and a server whose backup metadata cannot be read.
 */
export function backupCycleFailures(results: readonly BackupTaskResult[], planned?: Pick<BackupCycleReport, 'discovery' | 'plan'>): CycleFailures {
  const finished = results.filter((r) => r.outcome !== 'in_flight')
  const failed = finished.filter((r) => r.outcome !== 'succeeded')
  const overQuota = planned?.plan.overQuota ?? []
  return {
    counts: { succeeded: finished.length - failed.length, failed: failed.length + overQuota.length, skipped: 0 },
    failed: [
      ...failed.map((r) => ({
        action: 'backup',
        volumeId: r.volumeId,
        projectId: r.projectId,
        serverId: r.serverId,
        ...(r.backupId ? { backupId: r.backupId } : {}),
        error: r.error ?? { code: r.outcome.toUpperCase(), message: r.outcome },
      })),
      ...overQuota.map((o) => ({
        action: 'backup',
        volumeId: o.task.volumeId,
        projectId: o.task.projectId,
        serverId: o.task.serverId,
        error: { code: 'EXEC_OVER_QUOTA', message: o.message },
      })),
      ...(planned?.discovery.problems ?? []).map((p) => ({
        action: 'parse-server-metadata',
        volumeId: '',
        projectId: p.projectId,
        serverId: p.serverId,
        error: { code: 'PLAN_POLICY_INVALID', message: p.message },
      })),
    ],
  }
}

export function retentionCycleFailures(report: RetentionReport): CycleFailures {
  return {
    counts: { succeeded: report.deleted.length, failed: report.failed.length, skipped: 0 },
    failed: [
      ...report.failed.map((f) => ({ action: 'delete-backup', volumeId: f.volumeId, projectId: f.projectId, backupId: f.backupId, error: { code: f.code, message: f.message } })),
      // Unreadable server metadata: that server's backups are held until it is fixed.
      ...report.problems.map((p) => ({
        action: 'parse-server-metadata',
        volumeId: '',
        projectId: p.projectId,
        serverId: p.serverId,
        error: { code: 'PLAN_POLICY_INVALID', message: p.message },
      })),
    ],
  }
}
