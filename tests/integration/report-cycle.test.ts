// The report cycle's data side against the simulator and a SQLite store: which projects are
// reported and when (report_period), the quota and overdue volumes it reads from the cloud, that
// two daemons sharing a store report each result once, and `snapwarden report` rendering without
// marking anything. Reports go to the log here (no sender_email); report-email.test.ts sends them.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { reportCommand } from '../../src/cli/commands/report.ts'
import type { CliDeps } from '../../src/cli/deps.ts'
import { EXIT } from '../../src/cli/exit-codes.ts'
import type { Config } from '../../src/config/schema.ts'
import { overdueAfterSeconds, REPORT_CLAIM_SECONDS } from '../../src/cycles/report-cycle.ts'
import type { Logger } from '../../src/domain/logger.ts'
import { noopMetrics } from '../../src/domain/metrics.ts'
import { buildReportModel } from '../../src/notify/report-model.ts'
import { buildDaemon } from '../../src/daemon/build-daemon.ts'
import type { DaemonPorts } from '../../src/daemon/daemon-ports.ts'
import { reportJobPeriod, reportJobs } from '../../src/daemon/report-jobs.ts'
import { HOUR, MINUTE, startBackupHarness, type BackupHarness } from '../support/backup-sim.ts'
import { makeBackupResults, reportConfig, reportRun, SCRIPT_SERVER } from '../support/report-sim.ts'

const CONDUCTOR = { backup_min_interval: 3600 }

async function withBackups(fn: (b: BackupHarness) => Promise<void>): Promise<void> {
  const b = await startBackupHarness()
  try {
    await fn(b)
  } finally {
    await b.close()
  }
}

/** A logger keeping info entries (where reports go without sender_email). */
function infoLog(): Logger & { readonly infos: { obj: Record<string, unknown>; msg?: string | undefined }[] } {
  const infos: { obj: Record<string, unknown>; msg?: string | undefined }[] = []
  const logger = {
    infos,
    debug() {},
    info(obj: Record<string, unknown>, msg?: string) {
      infos.push({ obj, msg })
    },
    warn() {},
    error() {},
    child: () => logger,
  }
  return logger
}

const reportsIn = (log: ReturnType<typeof infoLog>) => log.infos.filter((e) => typeof e.obj['report'] === 'string')

describe('report cycle against the simulator', () => {
  test('without sender_email the report goes to the log once; its results are marked reported', () =>
    withBackups(async (b) => {
      const config = reportConfig({}, CONDUCTOR)
      await makeBackupResults(b, config)
      const log = infoLog()
      const r = await reportRun(b, config, {}, log)

      const first = await r.run()

      assert.deepEqual(first.projects.map((p) => [p.projectId, p.projectName, p.status, p.taskCount]), [[b.projectId, 'admin', 'logged', 2]])
      const logged = reportsIn(log)
      assert.equal(logged.length, 1)
      assert.equal(logged[0]!.obj['subject'], 'Backup report for admin: 1 succeeded, 1 failed')
      assert.ok(String(logged[0]!.obj['report']).includes(SCRIPT_SERVER))
      assert.deepEqual(await b.store.tasksForReport(), [])

      const second = await r.run()
      assert.deepEqual(second.projects, [])
      assert.equal(reportsIn(log).length, 1)
    }))

  test("report_period: a project is reported once its oldest unreported result is that old (Staffeln's rule)", () =>
    withBackups(async (b) => {
      const config = reportConfig({}, CONDUCTOR)
      await makeBackupResults(b, config)
      const log = infoLog()
      const r = await reportRun(b, config, {}, log)

      const early = await r.run({ minAgeSeconds: 3600 })
      assert.deepEqual(early.projects.map((p) => p.status), ['not_due'])
      b.h.clock.advance(59 * MINUTE)
      assert.deepEqual((await r.run({ minAgeSeconds: 3600 })).projects.map((p) => p.status), ['not_due'])
      assert.equal((await b.store.tasksForReport()).length, 2)

      b.h.clock.advance(MINUTE)
      const due = await r.run({ minAgeSeconds: 3600 })
      assert.deepEqual(due.projects.map((p) => [p.status, p.taskCount]), [['logged', 2]])
      assert.equal(reportsIn(log).length, 1)
    }))

  test('two daemons sharing a store report each project once', () =>
    withBackups(async (b) => {
      const config = reportConfig({}, CONDUCTOR)
      await makeBackupResults(b, config)
      const second = await b.openSecondStore()
      const logA = infoLog()
      const logB = infoLog()
      const a = await reportRun(b, config, {}, logA)
      const c = await reportRun(b, config, {}, logB)

      const [ra, rc] = await Promise.all([a.run({ owner: 'daemon-a' }), c.run({ owner: 'daemon-b' }, second)])

      const statuses = [...ra.projects, ...rc.projects].map((p) => p.status).sort()
      assert.equal(statuses.filter((s) => s === 'logged').length, 1, statuses.join(', '))
      assert.ok(statuses.every((s) => ['logged', 'claimed_elsewhere', 'nothing_to_report'].includes(s)), statuses.join(', '))
      assert.equal(reportsIn(logA).length + reportsIn(logB).length, 1)
      assert.deepEqual(await b.store.tasksForReport(), [])
    }))

  test('a project claimed by another daemon is left to it until the claim expires', () =>
    withBackups(async (b) => {
      const config = reportConfig({}, CONDUCTOR)
      await makeBackupResults(b, config)
      const log = infoLog()
      const r = await reportRun(b, config, {}, log)
      assert.ok(await b.store.acquireLease(`report:${b.projectId}`, 'other-daemon', new Date(b.h.clock.now()), REPORT_CLAIM_SECONDS * 1000))

      assert.deepEqual((await r.run({ owner: 'me' })).projects.map((p) => p.status), ['claimed_elsewhere'])
      assert.equal((await b.store.tasksForReport()).length, 2)

      b.h.clock.advance(REPORT_CLAIM_SECONDS * 1000 + 1)
      assert.deepEqual((await r.run({ owner: 'me' })).projects.map((p) => p.status), ['logged'])
      assert.equal(reportsIn(log).length, 1)
    }))

  test('the report shows the backup quota with its colour and the tagged volumes overdue', () =>
    withBackups(async (b) => {
      const config = reportConfig({ quota_amber_percent: 60, quota_red_percent: 90 }, CONDUCTOR)
      const { scriptVolume, brokenVolume } = await makeBackupResults(b, config)
      const now = b.h.clock.now()
      const longAgo = now - 3 * 24 * HOUR
      const after = overdueAfterSeconds(config.conductor)
      assert.equal(after, 3600 + 1800 + 300)
      // Tagged after the backup cycles ran: one backed up 3 days ago, one never, one recently.
      const tagged = (name: string) => {
        const server = b.sim.state.addServer({ projectId: b.projectId, name: `swtest-J-${name}`, metadata: { __staffeln_backup: 'true' } })
        const v = b.sim.state.addVolume({ projectId: b.projectId, name: `swtest-J-${name}-v0`, size: 1, createdAt: longAgo })
        b.sim.state.attach(server.id, v.id)
        return { volumes: [v] }
      }
      const old = tagged('old')
      const never = tagged('never')
      const fresh = tagged('fresh')
      b.sim.state.addBackup({ volumeId: old.volumes[0]!.id, createdAt: longAgo + HOUR })
      b.sim.state.addBackup({ volumeId: fresh.volumes[0]!.id, createdAt: now - 10 * MINUTE })
      b.sim.state.setQuota(b.projectId, { backups: 5 })
      const r = await reportRun(b, config)

      const result = await r.run({ preview: true, projectId: b.projectId })

      const input = result.projects[0]!.input!
      const overdue = input.overdue!.map((o) => [o.serverName, o.volumeId, o.lastBackupAt?.getTime()])
      assert.deepEqual(overdue, [
        ['swtest-J-never', never.volumes[0]!.id, undefined],
        ['swtest-J-old', old.volumes[0]!.id, longAgo + HOUR],
      ])
      assert.ok(!input.overdue!.some((o) => [scriptVolume, brokenVolume, fresh.volumes[0]!.id].includes(o.volumeId)), 'backed up, or too young to be overdue')
      const model = buildReportModel(input, { amberPercent: 60, redPercent: 90 })
      const backups = model.quota!.find((q) => q.resource === 'backups')!
      // The script server's backup, the broken one (error), old's and fresh's: 4 of 5.
      assert.deepEqual([backups.inUse, backups.limit, backups.percent, backups.level], [4, 5, 80, 'amber'])
      assert.equal(model.failed[0]?.volumeId, brokenVolume)
      assert.match(model.failed[0]?.reason ?? '', /^[A-Z_]+: /)
      assert.equal((await b.store.tasksForReport()).length, 2, 'a preview marks nothing')

      b.sim.state.setQuota(b.projectId, { backups: 4 })
      const full = buildReportModel((await r.run({ preview: true, projectId: b.projectId })).projects[0]!.input!, { amberPercent: 60, redPercent: 90 })
      assert.equal(full.quota!.find((q) => q.resource === 'backups')!.level, 'red')
    }))

  test('the daemon has a report job with a store and a notification section; it reports projects once they are due', () =>
    withBackups(async (b) => {
      const config = reportConfig({}, CONDUCTOR)
      await makeBackupResults(b, config)
      const log = infoLog()
      const r = await reportRun(b, config, {}, log)
      const { cloud: _c, store: _s, ...time } = b.deps(config)
      const ports: DaemonPorts = { ...time, logger: log, openCloud: async () => b.client.cloud, notify: async () => {} }
      const report = { render: r.ports.render, transport: r.ports.transport, recipients: r.ports.recipients, reportPeriodSeconds: 3600 }
      const daemon = (withReport: boolean) =>
        buildDaemon(ports, {
          create: { cron: '*/10 * * * *', source: 'test' },
          expire: { cron: '*/30 * * * *', source: 'test' },
          timezone: 'UTC',
          allProjects: false,
          store: b.store,
          ...(withReport ? { report } : {}),
        })
      assert.ok(daemon(true).jobNames.includes('report'))
      assert.ok(!daemon(false).jobNames.includes('report'))

      const [job] = reportJobs({ ...ports, store: b.store }, report, false)
      assert.deepEqual(job!.schedule, { everySeconds: 1800 }, 'min(report_period, backup_service_period)')
      assert.equal(reportJobPeriod(0, 1800), 1800)
      assert.equal(reportJobPeriod(600, 1800), 600)
      const signal = new AbortController().signal
      assert.equal(await job!.run(signal), 'succeeded')
      assert.equal(reportsIn(log).length, 0, 'not due before report_period')
      b.h.clock.advance(HOUR)
      assert.equal(await job!.run(signal), 'succeeded')
      assert.equal(reportsIn(log).length, 1)
      assert.deepEqual(await b.store.tasksForReport(), [])
    }))

  test('snapwarden report prints the HTML, text or JSON report of a project and marks nothing; --send sends', () =>
    withBackups(async (b) => {
      const config = reportConfig({}, CONDUCTOR)
      await makeBackupResults(b, config)
      const run = async (argv: Record<string, unknown>) => {
        const { deps, lines } = commandDeps(b, config)
        try {
          const code = await reportCommand.run(reportCommand.parseOptions(argv, []), deps)
          return { code, out: lines.join('\n') }
        } finally {
          await deps.close()
        }
      }

      const html = await run({ format: 'html', project: 'admin' })
      assert.equal(html.code, EXIT.ok)
      assert.ok(html.out.startsWith('<!DOCTYPE html>'))
      assert.ok(html.out.includes('&lt;script&gt;alert(1)&lt;/script&gt;') && !html.out.includes('<script>'))
      const text = await run({ format: 'text' })
      assert.match(text.out, /^Backup report: admin\n/)
      const json = JSON.parse((await run({ format: 'json', project: b.projectId })).out) as { subject: string; failed: unknown[]; succeeded: unknown[] }
      assert.equal(json.subject, 'Backup report for admin: 1 succeeded, 1 failed')
      assert.equal(json.failed.length, 1)
      assert.equal((await b.store.tasksForReport()).length, 2, 'rendering marks nothing')

      const sent = await run({ send: true, format: 'text' })
      assert.equal(sent.code, EXIT.ok)
      assert.match(sent.out, /admin\s+logged\s+2/)
      assert.deepEqual(await b.store.tasksForReport(), [])
      assert.throws(() => reportCommand.parseOptions({ format: 'pdf' }, []), /--format "pdf": accepted: html, text, json/)
    }))
})

/** The deps `snapwarden report` gets from the CLI, on the harness's cloud, store file and manual time. */
function commandDeps(b: BackupHarness, config: Config): { deps: CliDeps; lines: string[] } {
  const lines: string[] = []
  const closers: (() => Promise<void> | void)[] = []
  const time = b.deps(config)
  const deps: CliDeps = {
    globals: { debug: false },
    env: { SNAPWARDEN_DB: b.storeUrl },
    out: { line: (text = '') => void lines.push(...text.split('\n')), json: (value) => void lines.push(JSON.stringify(value)) },
    logger: infoLog(),
    clock: time.clock,
    sleep: time.sleep,
    random: time.random,
    isTTY: false,
    metrics: noopMetrics,
    config: () => config,
    chooseCloud: () => {
      throw new Error('not used: openCloud is given')
    },
    openCloud: async () => ({ cloud: b.client.cloud, label: 'test simulator', simulated: true, close: async () => {} }),
    onClose: (fn) => void closers.push(fn),
    close: async () => {
      for (const fn of closers.splice(0)) await fn()
    },
  }
  return { deps, lines }
}
