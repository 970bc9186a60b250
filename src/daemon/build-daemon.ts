/**
 * Assembles the daemon from ports: its jobs (snapshot create/expire on cron, backup and retention
 * on periods when a store is given), the cloud link that reconnects after an outage, the problem
 * metrics, and readiness. cli/commands/daemon.ts parses the options and wires the ports.
 */
import type { Store } from '../domain/store-port.ts'
import { toErrorInfo } from '../domain/errors.ts'
import { backupJobs } from './backup-jobs.ts'
import { CloudLink } from './cloud-link.ts'
import type { DaemonPorts } from './daemon-ports.ts'
import { JobScheduler, type Job } from './job-scheduler.ts'
import { withProblemMetrics } from './problem-metrics.ts'
import { readiness, type CheckResult, type Readiness } from './readiness.ts'
import { reportJobs, type ReportJobPorts } from './report-jobs.ts'
import { snapshotJob } from './snapshot-jobs.ts'

export interface DaemonSchedule {
  readonly cron: string
  /** The option the cron came from, named in a validation error (`--create-schedule`). */
  readonly source: string
}

export interface DaemonOptions {
  readonly create: DaemonSchedule
  readonly expire: DaemonSchedule
  /** The zone the cron schedules are read in. */
  readonly timezone: string
  readonly allProjects: boolean
  /** With a store, the backup and retention jobs run too (--backups, conductor.enabled). */
  readonly store?: Store
  /** With a store and a `notification:` section, the report job runs too (Staffeln's report). */
  readonly report?: ReportJobPorts
  /** How long a store check may take (on ports.sleep) before the store counts as not usable; 0: no limit. Default 5 s. */
  readonly storeCheckTimeoutMs?: number
}

export interface Daemon {
  readonly scheduler: JobScheduler
  readonly jobNames: readonly string[]
  readonly cloud: CloudLink
  /** What /readyz answers: the cloud at the last attempt, the store now, every job's last run. */
  ready(): Promise<Readiness>
  /** Connects in the background with backoff until the cloud answers (run beside the jobs). */
  connect(signal: AbortSignal): Promise<void>
  /** Rejects when the daemon cannot go on: the cloud configuration is wrong. */
  readonly fatal: Promise<never>
}

export function buildDaemon(ports: DaemonPorts, opts: DaemonOptions): Daemon {
  let fail: (err: unknown) => void = () => {}
  const fatal = new Promise<never>((_resolve, reject) => {
    fail = reject
  })
  // Nobody may be listening yet when a fatal error comes; runDaemon subscribes.
  void fatal.catch(() => {})
  const cloud = new CloudLink({
    open: ports.openCloud,
    clock: ports.clock,
    sleep: ports.sleep,
    random: ports.random,
    logger: ports.logger,
    onFatal: (err) => fail(err),
  })
  const jobPorts: DaemonPorts = { ...ports, openCloud: () => cloud.open(), notify: withProblemMetrics(ports.notify, ports.metrics) }
  const snapshot = (name: string, mode: 'create' | 'expire', s: DaemonSchedule): Job =>
    snapshotJob(jobPorts, {
      name,
      mode,
      cron: s.cron,
      timezone: opts.timezone,
      source: s.source,
      allProjects: opts.allProjects,
      // Daemons sharing a store take turns on the snapshot jobs by lease, as on the backup jobs.
      ...(opts.store ? { store: opts.store } : {}),
    })
  const jobs: Job[] = [
    snapshot('create-snapshots', 'create', opts.create),
    snapshot('expire-snapshots', 'expire', opts.expire),
    ...(opts.store ? backupJobs({ ...jobPorts, store: opts.store }, opts.allProjects) : []),
    ...(opts.store && opts.report ? reportJobs({ ...jobPorts, store: opts.store }, opts.report, opts.allProjects) : []),
  ].map((job) => tracked(job, cloud))
  const scheduler = new JobScheduler(jobs, { clock: ports.clock, sleep: ports.sleep, logger: ports.logger, metrics: ports.metrics })
  const store = opts.store
  const storeTimeoutMs = opts.storeCheckTimeoutMs ?? 5000
  return {
    scheduler,
    jobNames: jobs.map((j) => j.name),
    cloud,
    async ready() {
      const storeCheck = store ? await checkStore(store, ports, storeTimeoutMs) : undefined
      return readiness({
        ...(cloud.status() ? { cloud: cloud.status() } : {}),
        ...(storeCheck ? { store: storeCheck } : {}),
        jobs: scheduler.states(),
      })
    },
    connect: (signal) => cloud.connect(signal),
    fatal,
  }
}

/** The job, telling the cloud link whether its run reached the cloud. */
function tracked(job: Job, cloud: CloudLink): Job {
  return {
    ...job,
    async run(signal) {
      try {
        const outcome = await job.run(signal)
        if (outcome !== 'skipped') cloud.noteReachable()
        return outcome
      } catch (err) {
        cloud.noteFailure(err)
        throw err
      }
    },
  }
}

/** The store is usable when it answers a read (its migration status) within the time limit. */
async function checkStore(store: Store, ports: DaemonPorts, timeoutMs: number): Promise<CheckResult> {
  const timer = new AbortController()
  try {
    if (timeoutMs <= 0) {
      await store.status()
      return { ok: true, checkedAt: ports.clock.now() }
    }
    const timedOut = ports.sleep(timeoutMs, timer.signal).then(
      () => Promise.reject(new Error(`no answer within ${timeoutMs} ms`)),
      () => new Promise<never>(() => {}),
    )
    await Promise.race([store.status(), timedOut])
    return { ok: true, checkedAt: ports.clock.now() }
  } catch (err) {
    const info = toErrorInfo(err)
    return { ok: false, checkedAt: ports.clock.now(), error: `${info.code}: ${info.message}` }
  } finally {
    timer.abort()
  }
}
