/** The daemon's snapshot jobs: create-snapshots and expire-snapshots on their cron schedules. */
import { snapshotCycleFailures } from '../cycles/cycle-failures.ts'
import { failuresOf, runSnapshotCycle } from '../cycles/snapshot-cycle.ts'
import type { DaemonPorts } from './daemon-ports.ts'
import type { Job, JobOutcome } from './job-scheduler.ts'

export interface SnapshotJobOptions {
  readonly name: string
  readonly mode: 'create' | 'expire'
  readonly cron: string
  readonly timezone: string
  /** The option the cron came from, named in a validation error. */
  readonly source: string
  readonly allProjects: boolean
}

export function snapshotJob(ports: DaemonPorts, o: SnapshotJobOptions): Job {
  return {
    name: o.name,
    schedule: { cron: o.cron, timezone: o.timezone },
    source: { schedule: o.source, timezone: '--timezone' },
    async run(signal): Promise<JobOutcome> {
      const cloud = await ports.openCloud()
      const report = await runSnapshotCycle({ ...ports, cloud }, { mode: o.mode, allProjects: o.allProjects, dryRun: false, signal })
      const { counts, failed } = snapshotCycleFailures(report)
      await ports.notify(o.name, report.now, counts, failed)
      ports.logger.info({ job: o.name, counts: report.result?.counts, problems: report.problems.length }, 'snapshot cycle finished')
      return failuresOf(report) > 0 ? 'failed' : 'succeeded'
    },
  }
}
