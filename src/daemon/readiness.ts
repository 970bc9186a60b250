import type { JobState } from './job-scheduler.ts'

/** Same shape as api/app.ts's ReadyReport (the rooms cannot import each other). */
export interface Readiness {
  readonly ready: boolean
  /** One sentence per unmet condition; empty when ready. */
  readonly reasons: readonly string[]
  readonly jobs: readonly JobSummary[]
}

export interface JobSummary {
  readonly name: string
  readonly running: boolean
  readonly lastOutcome?: string
  readonly lastSuccess?: string
  readonly lastCompletion?: string
  readonly consecutiveFailures: number
}

/** The outcome of the last attempt to use something the daemon needs (the cloud, the store). */
export interface CheckResult {
  readonly ok: boolean
  readonly checkedAt: Date
  readonly error?: string
}

export interface ReadinessInput {
  /** The last attempt to reach the cloud (connecting, or a job run); undefined while none has ended. */
  readonly cloud?: CheckResult
  /** The store check, when the daemon uses a store (backups); undefined otherwise. */
  readonly store?: CheckResult
  readonly jobs: readonly JobState[]
  /** A job whose last this-many runs could not complete makes the daemon not ready. Default 1. */
  readonly maxConsecutiveFailures?: number
}

/**
 * Ready = the daemon can do its job: the cloud was reachable at the last attempt, the store (if
 * any) answers, and every job's last run completed. A run that completed with per-item failures or
 * invalid metadata counts as completed: those are per-volume problems, reported per item, not an
 * outage of the daemon.
 */
export function readiness(input: ReadinessInput): Readiness {
  const reasons: string[] = []
  const max = Math.max(1, input.maxConsecutiveFailures ?? 1)
  if (!input.cloud) reasons.push('the cloud has not been reached yet (the first connection attempt is still running)')
  else if (!input.cloud.ok) reasons.push(`the cloud was unreachable at the last attempt (${input.cloud.checkedAt.toISOString()})${why(input.cloud)}`)
  if (input.store && !input.store.ok) reasons.push(`the store is not usable (${input.store.checkedAt.toISOString()})${why(input.store)}`)
  for (const job of input.jobs) {
    if (job.consecutiveFailures < max) continue
    const last = job.lastError ? `${job.lastError.code}: ${job.lastError.message}` : 'no error recorded'
    reasons.push(
      job.consecutiveFailures === 1
        ? `job ${job.name} could not complete its last run (${last})`
        : `job ${job.name} could not complete its last ${job.consecutiveFailures} runs (last: ${last})`,
    )
  }
  return {
    ready: reasons.length === 0,
    reasons,
    jobs: input.jobs.map((j) => ({
      name: j.name,
      running: j.running,
      lastOutcome: j.lastOutcome,
      lastSuccess: j.lastSuccess?.toISOString(),
      lastCompletion: j.lastCompletion?.toISOString(),
      consecutiveFailures: j.consecutiveFailures,
    })),
  }
}

function why(check: CheckResult): string {
  return check.error ? `: ${check.error}` : ''
}
