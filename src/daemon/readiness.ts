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
  readonly consecutiveFailures: number
}

export interface ReadinessInput {
  readonly configLoaded: boolean
  /** The last cloud check (e.g. a token fetch); undefined while none has run yet. */
  readonly cloud?: { readonly reachable: boolean; readonly checkedAt: Date; readonly error?: string }
  readonly jobs: readonly JobState[]
  /** A job that failed this many times in a row makes the daemon not ready. */
  readonly maxConsecutiveFailures: number
}

/** Ready = config loaded, cloud reachable at the last check, no job failing N times in a row. */
export function readiness(input: ReadinessInput): Readiness {
  const reasons: string[] = []
  if (!input.configLoaded) reasons.push('configuration is not loaded')
  if (!input.cloud) reasons.push('the cloud has not been checked yet')
  else if (!input.cloud.reachable) {
    const why = input.cloud.error ? `: ${input.cloud.error}` : ''
    reasons.push(`the cloud was unreachable at the last check (${input.cloud.checkedAt.toISOString()})${why}`)
  }
  for (const job of input.jobs) {
    if (job.consecutiveFailures >= input.maxConsecutiveFailures) {
      const last = job.lastError ? ` (last: ${job.lastError.code}: ${job.lastError.message})` : ''
      reasons.push(`job ${job.name} failed ${job.consecutiveFailures} times in a row${last}`)
    }
  }
  return {
    ready: reasons.length === 0,
    reasons,
    jobs: input.jobs.map((j) => ({
      name: j.name,
      running: j.running,
      lastOutcome: j.lastOutcome,
      lastSuccess: j.lastSuccess?.toISOString(),
      consecutiveFailures: j.consecutiveFailures,
    })),
  }
}
