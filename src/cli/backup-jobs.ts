/** The daemon's backup and retention jobs, on Staffeln's periods (backup_service_period, retention_service_period). */
import type { Job } from '../daemon/job-scheduler.ts'
import type { Metrics } from '../domain/metrics.ts'
import { executeClaimed, runBackupCycle } from './backup-cycle.ts'
import { workerId, type BackupCycleDeps } from './backup-inventory.ts'
import { runRetentionCycle } from './retention-cycle.ts'
import type { CliDeps } from './deps.ts'
import { sendFailures } from './notify-failures.ts'
import { openMigratedStore } from './open-store.ts'

const PLANNER_LEASE = 'backup-planner'

export async function backupJobs(deps: CliDeps, metrics: Metrics, allProjects: boolean): Promise<Job[]> {
  const config = deps.config()
  const store = await openMigratedStore(deps)
  const owner = workerId()
  const cycleDeps = async (): Promise<BackupCycleDeps> => ({
    cloud: (await deps.openCloud()).cloud,
    store,
    clock: deps.clock,
    sleep: deps.sleep,
    random: deps.random,
    logger: deps.logger,
    metrics,
    config,
  })
  const period = config.conductor.backup_service_period
  return [
    {
      name: 'backup',
      schedule: { everySeconds: period },
      async run(signal) {
        const d = await cycleDeps()
        // One planner at a time across daemons sharing a database; every daemon runs claimed tasks.
        const leader = await store.acquireLease(PLANNER_LEASE, owner, deps.clock.now(), period * 2000)
        const startedAt = deps.clock.now()
        const results = leader
          ? (await runBackupCycle(d, { allProjects, owner, signal })).results
          : await executeClaimed(d, owner, signal)
        const failed = results.filter((r) => r.outcome !== 'succeeded')
        await sendFailures(
          deps,
          'backup',
          startedAt,
          { succeeded: results.length - failed.length, failed: failed.length, skipped: 0 },
          failed.map((r) => ({
            action: 'backup',
            volumeId: r.volumeId,
            projectId: r.projectId,
            serverId: r.serverId,
            ...(r.backupId ? { backupId: r.backupId } : {}),
            error: r.error ?? { code: r.outcome.toUpperCase(), message: r.outcome },
          })),
        )
        return failed.length ? 'failed' : 'succeeded'
      },
    },
    {
      name: 'retention',
      schedule: { everySeconds: config.conductor.retention_service_period },
      async run(signal) {
        const d = await cycleDeps()
        if (!(await store.acquireLease('retention', owner, deps.clock.now(), config.conductor.retention_service_period * 2000))) return 'skipped'
        const report = await runRetentionCycle(d, { allProjects, signal })
        await sendFailures(
          deps,
          'retention',
          report.now,
          { succeeded: report.deleted.length, failed: report.failed.length, skipped: 0 },
          report.failed.map((f) => ({ action: 'delete-backup', volumeId: '', projectId: '', backupId: f.backupId, error: { code: f.code, message: f.message } })),
        )
        return report.failed.length ? 'failed' : 'succeeded'
      },
    },
  ]
}
