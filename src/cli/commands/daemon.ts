/**
 * `daemon`: create and expire snapshots on cron schedules (and run the backup and retention
 * cycles on their periods), serving /healthz, /readyz and /metrics on 127.0.0.1 by default.
 */
import { buildApp, listen } from '../../api/app.ts'
import { PromMetrics } from '../../api/prom-metrics.ts'
import { UserError } from '../../domain/errors.ts'
import { buildDaemon } from '../../daemon/build-daemon.ts'
import { runDaemon } from '../../daemon/run-daemon.ts'
import { defineCommand } from '../command.ts'
import type { CliDeps } from '../deps.ts'
import { EXIT } from '../exit-codes.ts'
import { createFailureNotifier } from '../notify-failures.ts'
import { openMigratedStore } from '../open-store.ts'
import { startConfiguredProtection } from '../protection-server.ts'
import { buildReportPorts } from '../report-ports.ts'

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
    // A wrong clouds.yaml selection is a UserError here, before anything starts: exit 1.
    deps.chooseCloud()
    const config = deps.config()
    const metrics = new PromMetrics({ logger: deps.logger })
    deps.metrics = metrics
    const notify = await createFailureNotifier(deps)
    const store = opts.backups || config.conductor.enabled ? await openMigratedStore(deps) : undefined
    const report = store && config.notification ? await buildReportPorts(config.notification, deps.env, deps.logger) : undefined
    const daemon = buildDaemon(
      {
        clock: deps.clock,
        sleep: deps.sleep,
        random: deps.random,
        logger: deps.logger,
        metrics,
        config,
        openCloud: async () => (await deps.openCloud()).cloud,
        notify,
      },
      {
        create: { cron: opts.createSchedule ?? config.snapshots.create_schedule, source: '--create-schedule' },
        expire: { cron: opts.expireSchedule ?? config.snapshots.expire_schedule, source: '--expire-schedule' },
        timezone: opts.timezone ?? config.timezone,
        allProjects: opts.allProjects || config.all_projects,
        ...(store ? { store } : {}),
        ...(report ? { report: { ...report, reportPeriodSeconds: config.conductor.report_period } } : {}),
      },
    )
    const app = buildApp({ health: () => ({ status: 'ok' }), ready: async () => ({ ...(await daemon.ready()) }), metrics, logger: deps.logger })
    // The protection API when protection.enabled (issue 8 §1; src/cli/protection-server.ts).
    const protection = await startConfiguredProtection(deps)
    if (protection) process.stderr.write(`snapwarden daemon: protection API on ${protection.address}\n`)
    const address = await listen(app, { host: opts.host || config.api.bind, port: opts.port >= 0 ? opts.port : config.api.port }, deps.logger)
    process.stderr.write(`snapwarden daemon: serving /healthz /readyz /metrics on ${address}; jobs: ${daemon.jobNames.join(', ')}\n`)
    await runDaemon({
      scheduler: daemon.scheduler,
      proc: process,
      graceMs: opts.graceSeconds * 1000,
      closers: [{ name: 'http', close: () => app.close() }, ...(protection ? [{ name: 'protection-api', close: () => protection.close() }] : [])],
      background: [(signal) => daemon.connect(signal)],
      fatal: daemon.fatal,
      logger: deps.logger,
    })
    return EXIT.ok
  },
})

export type { CliDeps }
