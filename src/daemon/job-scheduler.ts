import type { Cron } from 'croner'
import type { Clock, Sleep } from '../domain/clock.ts'
import { toErrorInfo, type ErrorInfo } from '../domain/errors.ts'
import { silentLogger, type Logger } from '../domain/logger.ts'
import { noopMetrics, type Metrics } from '../domain/metrics.ts'
import { InvalidScheduleError, JobCancelledError } from './errors.ts'
import { cronFor, nextRuns, validateJobSchedule, type JobSchedule, type ScheduleSource } from './job-schedule.ts'

/**
 * How one run of a job ended:
 * - `succeeded`: the cycle completed and every item went as planned;
 * - `completed_with_failures`: the cycle completed, but some items failed or some metadata could
 *   not be read; those are per-volume problems, reported per item (webhook, logs,
 *   snapwarden_job_problems), and do not make the daemon unready;
 * - `failed`: the run could not complete (it threw: cloud unreachable, store error, cancelled);
 *   this counts against readiness;
 * - `skipped`: nothing for this daemon to do (another daemon holds the job's lease).
 * A run that throws counts as `failed`.
 */
export const JOB_OUTCOMES = ['succeeded', 'completed_with_failures', 'failed', 'skipped'] as const
export type JobOutcome = (typeof JOB_OUTCOMES)[number]

export interface Job {
  readonly name: string
  readonly schedule: JobSchedule
  /** Where the schedule came from, named in validation errors (`{ schedule: '--create-schedule' }`). */
  readonly source?: ScheduleSource
  /** Runs once; the signal aborts when the daemon stops and the grace period is over. */
  run(signal: AbortSignal): Promise<JobOutcome>
  /**
   * Called once when the daemon stops, after the job's last run has finished: gives up what the
   * job holds across runs (its leases), so a restarted daemon need not wait them out.
   */
  release?(): Promise<void>
}

/** What /readyz and metrics read about a job. */
export interface JobState {
  readonly name: string
  readonly running: boolean
  readonly lastStart?: Date
  readonly lastFinish?: Date
  readonly lastOutcome?: JobOutcome
  readonly lastError?: ErrorInfo
  /** The last run that ended `succeeded`. */
  readonly lastSuccess?: Date
  /** The last run that did not fail: succeeded, completed with per-item failures, or skipped. */
  readonly lastCompletion?: Date
  /** Runs that could not complete (`failed`) since the last run that did. */
  readonly consecutiveFailures: number
  readonly runs: number
  /** Runs that were due while the previous run of the same job was still going, and were skipped. */
  readonly overruns: number
}

export type TriggerResult =
  | { readonly started: true; readonly outcome: JobOutcome }
  | { readonly started: false; readonly reason: 'overrun' | 'stopped' }

export interface JobSchedulerDeps {
  readonly clock: Clock
  /** Waits out the grace period in stop(); aborted early when every run has finished. */
  readonly sleep: Sleep
  readonly logger?: Logger
  readonly metrics?: Metrics
}

interface InFlight {
  readonly controller: AbortController
  readonly done: Promise<TriggerResult>
}

/**
 * Runs jobs on cron or fixed-period schedules (croner), never overlapping a job with itself, and
 * records each job's last start/finish/outcome. cli/ builds it with the real clock and sleep.
 */
export class JobScheduler {
  readonly #jobs = new Map<string, Job>()
  readonly #states = new Map<string, JobState>()
  readonly #inFlight = new Map<string, InFlight>()
  readonly #crons: Cron[] = []
  readonly #clock: Clock
  readonly #sleep: Sleep
  readonly #logger: Logger
  readonly #metrics: Metrics
  #stopping: Promise<void> | undefined

  /** Validates every schedule up front; throws InvalidScheduleError (CONFIG_INVALID) naming the option. */
  constructor(jobs: readonly Job[], deps: JobSchedulerDeps) {
    for (const job of jobs) {
      if (this.#jobs.has(job.name)) throw new InvalidScheduleError(`job "${job.name}" is defined twice`)
      validateJobSchedule(job.schedule, job.source)
      this.#jobs.set(job.name, job)
      this.#states.set(job.name, { name: job.name, running: false, consecutiveFailures: 0, runs: 0, overruns: 0 })
    }
    this.#clock = deps.clock
    this.#sleep = deps.sleep
    this.#logger = deps.logger ?? silentLogger
    this.#metrics = deps.metrics ?? noopMetrics
  }

  /** Starts the timers. A fixed-period job runs right away, then every period. */
  start(): void {
    if (this.#stopping) throw new Error('JobScheduler: start() after stop()')
    if (this.#crons.length > 0) return
    for (const job of this.#jobs.values()) {
      const cron = cronFor(
        job.schedule,
        { protect: () => this.#overrun(job.name, 'schedule'), catch: true },
        async () => {
          await this.trigger(job.name)
        },
      )
      this.#crons.push(cron)
      this.#logger.info({ job: job.name, nextRun: cron.nextRun()?.toISOString() }, 'job scheduled')
    }
  }

  /** Runs a job now through the overlap guard (used by the timers, tests and `run --once`). */
  trigger(name: string): Promise<TriggerResult> {
    const job = this.#job(name)
    if (this.#stopping) return Promise.resolve({ started: false, reason: 'stopped' })
    if (this.#inFlight.has(name)) {
      this.#overrun(name, 'trigger')
      return Promise.resolve({ started: false, reason: 'overrun' })
    }
    const controller = new AbortController()
    const done = this.#run(job, controller.signal).finally(() => this.#inFlight.delete(name))
    this.#inFlight.set(name, { controller, done })
    return done
  }

  /** True between start() and stop() while timers are armed. */
  isScheduled(): boolean {
    return this.#crons.some((c) => c.isRunning())
  }

  state(name: string): JobState {
    this.#job(name)
    return this.#states.get(name)!
  }

  states(): JobState[] {
    return [...this.#states.values()]
  }

  /** The next `n` run times of a job strictly after `from`. */
  nextRuns(name: string, n: number, from: Date): Date[] {
    return nextRuns(this.#job(name).schedule, n, from)
  }

  /**
   * Stops scheduling, lets in-flight runs finish for `graceMs`, then aborts their signal; resolves
   * when every run has finished. Calling it again returns the same promise.
   */
  stop(opts: { readonly graceMs: number }): Promise<void> {
    this.#stopping ??= this.#stop(opts.graceMs)
    return this.#stopping
  }

  async #stop(graceMs: number): Promise<void> {
    for (const cron of this.#crons) cron.stop()
    await this.#waitForRuns(graceMs)
    for (const job of this.#jobs.values()) {
      if (!job.release) continue
      try {
        await job.release()
      } catch (err) {
        this.#logger.error({ job: job.name, err: toErrorInfo(err) }, 'could not release the job\'s leases while stopping')
      }
    }
  }

  async #waitForRuns(graceMs: number): Promise<void> {
    const inFlight = [...this.#inFlight.entries()]
    if (inFlight.length === 0) return
    this.#logger.info({ jobs: inFlight.map(([n]) => n), graceMs }, 'waiting for running jobs to finish')
    const all = Promise.all(inFlight.map(([, f]) => f.done))
    const graceTimer = new AbortController()
    const graceOver = this.#sleep(graceMs, graceTimer.signal).then(
      () => true,
      () => true,
    )
    const cancel = await Promise.race([all.then(() => false), graceOver])
    graceTimer.abort()
    if (cancel) {
      for (const [name, f] of inFlight) {
        this.#logger.warn({ job: name, graceMs }, 'grace period over, cancelling job')
        f.controller.abort(new JobCancelledError(name, graceMs))
      }
    }
    await all
  }

  async #run(job: Job, signal: AbortSignal): Promise<TriggerResult> {
    const start = this.#clock.now()
    const before = this.#states.get(job.name)!
    this.#states.set(job.name, { ...before, running: true, lastStart: start })
    const log = this.#logger.child({ job: job.name })
    log.info({}, 'job started')
    let outcome: JobOutcome
    let error: ErrorInfo | undefined
    try {
      outcome = await job.run(signal)
    } catch (err) {
      outcome = 'failed'
      error = toErrorInfo(err)
    }
    const finish = this.#clock.now()
    const seconds = Math.max(0, (finish.getTime() - start.getTime()) / 1000)
    const prev = this.#states.get(job.name)!
    this.#states.set(job.name, {
      ...prev,
      running: false,
      lastFinish: finish,
      lastOutcome: outcome,
      lastError: error,
      lastSuccess: outcome === 'succeeded' ? finish : prev.lastSuccess,
      lastCompletion: outcome !== 'failed' ? finish : prev.lastCompletion,
      consecutiveFailures: outcome === 'failed' ? prev.consecutiveFailures + 1 : 0,
      runs: prev.runs + 1,
    })
    this.#metrics.inc('snapwarden_job_runs_total', { job: job.name, outcome })
    this.#metrics.observe('snapwarden_job_duration_seconds', seconds, { job: job.name })
    if (outcome === 'succeeded') {
      this.#metrics.set('snapwarden_job_last_success_timestamp_seconds', finish.getTime() / 1000, { job: job.name })
    }
    if (outcome !== 'failed') {
      this.#metrics.set('snapwarden_job_last_completion_timestamp_seconds', finish.getTime() / 1000, { job: job.name })
    }
    if (outcome === 'failed') log.error({ outcome, durationSeconds: seconds, err: error }, 'job failed')
    else if (outcome === 'completed_with_failures') log.warn({ outcome, durationSeconds: seconds }, 'job finished')
    else log.info({ outcome, durationSeconds: seconds }, 'job finished')
    return { started: true, outcome }
  }

  #overrun(name: string, via: 'schedule' | 'trigger'): void {
    const prev = this.#states.get(name)!
    this.#states.set(name, { ...prev, overruns: prev.overruns + 1 })
    this.#metrics.inc('snapwarden_job_overruns_total', { job: name })
    this.#logger.warn(
      { job: name, via, runningSince: prev.lastStart?.toISOString() },
      'job is still running from its previous start; skipping this run',
    )
  }

  #job(name: string): Job {
    const job = this.#jobs.get(name)
    if (!job) throw new Error(`JobScheduler: unknown job "${name}"`)
    return job
  }
}
