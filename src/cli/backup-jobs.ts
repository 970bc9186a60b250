/** Placeholder replaced by the backup conductor wiring. */
import type { Job } from '../daemon/job-scheduler.ts'
import type { Metrics } from '../domain/metrics.ts'
import type { CliDeps } from './deps.ts'

export async function backupJobs(_deps: CliDeps, _metrics: Metrics, _allProjects: boolean): Promise<Job[]> {
  return []
}
