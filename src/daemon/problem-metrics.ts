/** The per-item problems of each job run as a gauge by kind, recorded where the run reports them. */
import type { FailedItem, FailureNotifier } from '../domain/failure-report.ts'
import type { Metrics } from '../domain/metrics.ts'

/**
 * Wraps the failure notifier (the webhook) so that every job report also sets
 * `snapwarden_job_problems{job, kind}`: how many items of that kind the job's last completed run
 * reported (`kind` is the item's action: create, delete, heal, parse-policy, backup,
 * delete-backup, …). A kind seen before and absent now is set to 0, so the gauge falls back
 * when the volume is fixed.
 */
export function withProblemMetrics(notify: FailureNotifier, metrics: Metrics): FailureNotifier {
  const kindsByJob = new Map<string, Set<string>>()
  return async (job, startedAt, counts, failed) => {
    const byKind = countByKind(failed)
    const kinds = new Set([...(kindsByJob.get(job) ?? []), ...byKind.keys()])
    for (const kind of kinds) metrics.set('snapwarden_job_problems', byKind.get(kind) ?? 0, { job, kind })
    kindsByJob.set(job, kinds)
    await notify(job, startedAt, counts, failed)
  }
}

function countByKind(failed: readonly FailedItem[]): Map<string, number> {
  const out = new Map<string, number>()
  for (const f of failed) out.set(f.action, (out.get(f.action) ?? 0) + 1)
  return out
}
