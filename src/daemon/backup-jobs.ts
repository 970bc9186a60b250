/** The daemon's backup and retention jobs, on Staffeln's periods (backup_service_period, retention_service_period). */
import { runBackupCycle, runClaimedRecorded } from '../cycles/backup-cycle.ts'
import { workerId, type BackupCycleDeps } from '../cycles/backup-inventory.ts'
import { backupCycleFailures, retentionCycleFailures, type CycleFailures } from '../cycles/cycle-failures.ts'
import { runRetentionCycle } from '../cycles/retention-cycle.ts'
import type { StorePorts } from './daemon-ports.ts'
import type { Job } from './job-scheduler.ts'

const PLANNER_LEASE = 'backup-planner'

export function backupJobs(ports: StorePorts, allProjects: boolean): Job[] {
  const { store, config } = ports
  const owner = workerId()
  const cycleDeps = async (): Promise<BackupCycleDeps> => ({ ...ports, cloud: await ports.openCloud() })
  const period = config.conductor.backup_service_period
  return [
    {
      name: 'backup',
      schedule: { everySeconds: period },
      async run(signal) {
        const d = await cycleDeps()
        // One planner at a time across daemons sharing a database; every daemon runs claimed tasks.
        // The job does not wait for its backups: once Cinder accepted a create and its id is
        // recorded the task is left in flight, and the next cycle's backups/detail listing (the
        // planner's inventory) settles it. No polling, except to cancel a backup past its deadline.
        const leader = await store.acquireLease(PLANNER_LEASE, owner, ports.clock.now(), period * 2000)
        const startedAt = ports.clock.now()
        let failures: CycleFailures
        if (leader) {
          const report = await runBackupCycle(d, { allProjects, owner, signal, wait: false })
          // The planner also reports what it did not send: over quota, unreadable server metadata.
          failures = backupCycleFailures(report.results, report)
        } else {
          failures = backupCycleFailures(await runClaimedRecorded(d, owner, signal, { wait: false }))
        }
        const { counts, failed } = failures
        await ports.notify('backup', startedAt, counts, failed)
        return failed.length ? 'completed_with_failures' : 'succeeded'
      },
      // A clean stop gives the planner lease up, so a restarted daemon plans within one period.
      release: () => store.releaseLease(PLANNER_LEASE, owner),
    },
    {
      name: 'retention',
      schedule: { everySeconds: config.conductor.retention_service_period },
      async run(signal) {
        const d = await cycleDeps()
        if (!(await store.acquireLease('retention', owner, ports.clock.now(), config.conductor.retention_service_period * 2000))) return 'skipped'
        const report = await runRetentionCycle(d, { allProjects, signal })
        const { counts, failed } = retentionCycleFailures(report)
        await ports.notify('retention', report.now, counts, failed)
        return failed.length ? 'completed_with_failures' : 'succeeded'
      },
      release: () => store.releaseLease('retention', owner),
    },
  ]
}
