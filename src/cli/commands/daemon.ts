/**
 * `daemon`: create and expire snapshots on cron schedules (and run the backup and retention
 * cycles on their periods), serving /healthz, /readyz and /metrics on 127.0.0.1 by default.
 */
import { buildApp, listen } from '../../api/app.ts'
import { PromMetrics } from '../../api/prom-metrics.ts'
import { UserError } from '../../domain/errors.ts'
import { JobScheduler, type Job, type JobOutcome } from '../../daemon/job-scheduler.ts'
import { readiness } from '../../daemon/readiness.ts'
import { runDaemon } from '../../daemon/run-daemon.ts'
import { defineCommand } from '../command.ts'
import type { CliDeps } from '../deps.ts'
import { EXIT } from '../exit-codes.ts'
import { createFailureNotifier } from '../notify-failures.ts'
import { openMigratedStore } from '../open-store.ts'
import { backupJobs } from '../../daemon/backup-jobs.ts'
import type { DaemonPorts } from '../../daemon/daemon-ports.ts'
import { snapshotJob } from '../../daemon/snapshot-jobs.ts'

interface Options {
  readonly host: string
  readonly port: number
  readonly createSchedule?: string
  readonly expireSchedule?: string
  readonly timezone?: string
  readonly allProjects: boolean
  readonly backups: boolean
  readonly graceSeconds: number
}

export const daemonCommand = defineCommand<Options>({
  name: 'daemon',
  summary: 'run create/expire on cron schedules (and backups on their periods); serve /healthz, /readyz, /metrics',
  configure: (cmd) =>
    cmd
      .option('--bind-address <host:port>', 'health and metrics listener (default 127.0.0.1:9180 or config api.bind/api.port)')
      .option('--create-schedule <cron>', '5-field cron for create-snapshots (default config snapshots.create_schedule, */10 * * * *)')
      .option('--expire-schedule <cron>', '5-field cron for expire-snapshots (default config snapshots.expire_schedule, */30 * * * *)')
      .option('--timezone <zone>', 'zone the cron schedules are read in (default config timezone, UTC)')
      .option('--all-projects', 'every project (admin credential)', false)
      .option('--backups', 'also run the backup and retention cycles (config conductor.enabled; uses the store)', false)
      .option('--grace-seconds <n>', 'how long in-flight jobs may finish after SIGTERM', '60'),
  parseOptions(raw) {
    let host: string | undefined
    let port: number | undefined
    if (typeof raw.bindAddress === 'string') {
      const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(raw.bindAddress)
      if (!m) throw new UserError(`--bind-address "${raw.bindAddress}": accepted: host:port such as 127.0.0.1:9180`)
      host = m[1]!.replace(/^\[|\]$/g, '')
      port = Number(m[2])
    }
    const grace = Number(raw.graceSeconds)
    if (!Number.isInteger(grace) || grace < 0) throw new UserError(`--grace-seconds "${String(raw.graceSeconds)}": accepted: a whole number of seconds`)
    return {
      host: host ?? '',
      port: port ?? -1,
      ...(typeof raw.createSchedule === 'string' ? { createSchedule: raw.createSchedule } : {}),
      ...(typeof raw.expireSchedule === 'string' ? { expireSchedule: raw.expireSchedule } : {}),
      ...(typeof raw.timezone === 'string' ? { timezone: raw.timezone } : {}),
      allProjects: raw.allProjects === true,
      backups: raw.backups === true,
      graceSeconds: grace,
    }
  },
  async run(opts, deps) {
    const config = deps.config()
    const metrics = new PromMetrics({ logger: deps.logger })
    deps.metrics = metrics
    const timezone = opts.timezone ?? config.timezone
    const allProjects = opts.allProjects || config.all_projects
    let cloudCheck: { reachable: boolean; checkedAt: Date; error?: string } | undefined
    const notify = await createFailureNotifier(deps)
    const ports: DaemonPorts = {
      clock: deps.clock,
      sleep: deps.sleep,
      random: deps.random,
      logger: deps.logger,
      metrics,
      config,
      openCloud: async () => (await deps.openCloud()).cloud,
      notify,
    }
    const snapshotJobOf = (name: string, mode: 'create' | 'expire', cron: string, source: string): Job =>
      snapshotJob(ports, { name, mode, cron, timezone, source, allProjects })
    const jobs: Job[] = [
      snapshotJobOf('create-snapshots', 'create', opts.createSchedule ?? config.snapshots.create_schedule, '--create-schedule'),
      snapshotJobOf('expire-snapshots', 'expire', opts.expireSchedule ?? config.snapshots.expire_schedule, '--expire-schedule'),
      ...(opts.backups || config.conductor.enabled ? backupJobs({ ...ports, store: await openMigratedStore(deps) }, allProjects) : []),
    ]
    // Every job's success or failure to reach the cloud feeds /readyz; a first check runs at start.
    const tracked = jobs.map((job) => ({
      ...job,
      async run(signal: AbortSignal): Promise<JobOutcome> {
        try {
          const outcome = await job.run(signal)
          cloudCheck = { reachable: true, checkedAt: deps.clock.now() }
          return outcome
        } catch (err) {
          cloudCheck = { reachable: false, checkedAt: deps.clock.now(), error: (err as Error).message }
          throw err
        }
      },
    }))
    try {
      const { cloud } = await deps.openCloud()
      await cloud.identity()
      cloudCheck = { reachable: true, checkedAt: deps.clock.now() }
    } catch (err) {
      cloudCheck = { reachable: false, checkedAt: deps.clock.now(), error: (err as Error).message }
      deps.logger.error({ error: (err as Error).message }, 'the cloud is not reachable at start; jobs will retry on their schedules')
    }
    const scheduler = new JobScheduler(tracked, { clock: deps.clock, sleep: deps.sleep, logger: deps.logger, metrics })
    const app = buildApp({
      health: () => ({ status: 'ok' }),
      ready: () => {
        const r = readiness({ configLoaded: true, ...(cloudCheck ? { cloud: cloudCheck } : {}), jobs: scheduler.states(), maxConsecutiveFailures: 3 })
        return { ready: r.ready, reasons: r.reasons, jobs: r.jobs }
      },
      metrics,
      logger: deps.logger,
    })
    const address = await listen(app, { host: opts.host || config.api.bind, port: opts.port >= 0 ? opts.port : config.api.port }, deps.logger)
    process.stderr.write(`snapwarden daemon: serving /healthz /readyz /metrics on ${address}; jobs: ${jobs.map((j) => j.name).join(', ')}\n`)
    await runDaemon({
      scheduler,
      proc: process,
      graceMs: opts.graceSeconds * 1000,
      closers: [{ name: 'http', close: () => app.close() }],
      logger: deps.logger,
    })
    return EXIT.ok
  },
})

export type { CliDeps }
