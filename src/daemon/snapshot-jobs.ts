/**
 * The daemon's snapshot jobs: create-snapshots and expire-snapshots on their cron schedules. With a
 * store (daemons sharing one database), each job holds a lease while it runs, as the backup jobs do:
 * of several daemons on the same cron, one runs the cycle and the others skip it. The lease lasts two
 * cron intervals and is renewed by its holder at each run, so another daemon takes over within two
 * intervals when the holder dies; a clean stop gives it up.
 */
import type { LeaseStore } from '../domain/store-port.ts'
import { workerId } from '../cycles/backup-inventory.ts'
import { snapshotCycleFailures } from '../cycles/cycle-failures.ts'
import { failuresOf, runSnapshotCycle } from '../cycles/snapshot-cycle.ts'
import type { DaemonPorts } from './daemon-ports.ts'
import { nextRuns } from './job-schedule.ts'
import type { Job, JobOutcome } from './job-scheduler.ts'

export interface SnapshotJobOptions {
  readonly name: string
  readonly mode: 'create' | 'expire'
  readonly cron: string
  readonly timezone: string
  /** The option the cron came from, named in a validation error. */
  readonly source: string
  readonly allProjects: boolean
  /** Shared by daemons that should not run this job at the same time (a lease named `snapshot-job:<name>`). */
  readonly store?: LeaseStore
  /** Identifies this daemon as the lease holder; default host:pid:random. */
  readonly owner?: string
}

export function snapshotJob(ports: DaemonPorts, o: SnapshotJobOptions): Job {
  const schedule = { cron: o.cron, timezone: o.timezone }
  const store = o.store
  const owner = o.owner ?? workerId()
  const lease = `snapshot-job:${o.name}`
  return {
    name: o.name,
    schedule,
    source: { schedule: o.source, timezone: '--timezone' },
    async run(signal): Promise<JobOutcome> {
      if (store) {
        const now = ports.clock.now()
        const [a, b] = nextRuns(schedule, 2, now)
        const ttlMs = 2 * (b!.getTime() - a!.getTime())
        if (!(await store.acquireLease(lease, owner, now, ttlMs))) {
          ports.logger.info({ job: o.name, lease }, 'another daemon holds the snapshot job; skipped')
          return 'skipped'
        }
      }
      const cloud = await ports.openCloud()
      const report = await runSnapshotCycle({ ...ports, cloud }, { mode: o.mode, allProjects: o.allProjects, dryRun: false, signal })
      const { counts, failed } = snapshotCycleFailures(report)
      await ports.notify(o.name, report.now, counts, failed)
      ports.logger.info({ job: o.name, counts: report.result?.counts, problems: report.problems.length }, 'snapshot cycle finished')
      return failuresOf(report) > 0 ? 'completed_with_failures' : 'succeeded'
    },
    ...(store ? { release: () => store.releaseLease(lease, owner) } : {}),
  }
}
