/**
 * One backup cycle (the conductor, Staffeln's job) at scale on the simulator (not a timed test):
 * 50 projects, 2k servers (most tagged `__staffeln_backup: true`), 5k volumes, 20 ms real latency
 * per call, admin credential with all_tenants, SQLite `:memory:` store. Prints API calls by
 * endpoint against the lower bound, wall time and peak RSS. The simulator runs in a child process.
 *
 *   node --import tsx bench/backup-cycle.bench.ts [--quick]
 */
import { runBackupCycle } from '../src/cycles/backup-cycle.ts'
import { realSleep } from '../src/cli/deps.ts'
import { validateConfig } from '../src/config/validate.ts'
import { noopMetrics } from '../src/domain/metrics.ts'
import { silentLogger } from '../src/domain/logger.ts'
import { openStore } from '../src/store/index.ts'
import type { BenchReport } from './support/bench-report.ts'
import { runBenchMain } from './support/bench-main.ts'
import { pagesFor, type LowerBoundTerm } from './support/lower-bound.ts'
import { measureCycle } from './support/measure-cycle.ts'
import type { BackupScenario } from './support/scenarios.ts'
import { startSimProcess } from './support/sim-process.ts'

export interface BackupBenchOptions {
  readonly scenario: BackupScenario
  readonly latencyMs: number
  readonly pageSize: number
}

/** The scenario of the backup issue. */
export const BACKUP_BENCH: BackupBenchOptions = {
  scenario: { kind: 'backup', seed: 2026, projects: 50, servers: 2000, volumes: 5000, attachedRatio: 0.85, multiAttachEvery: 100, taggedShare: 0.8 },
  latencyMs: 20,
  pageSize: 1000,
}

/** A tenth of the scenario, for a quick look. */
export const BACKUP_BENCH_QUICK: BackupBenchOptions = {
  ...BACKUP_BENCH,
  scenario: { ...BACKUP_BENCH.scenario, projects: 5, servers: 200, volumes: 500 },
}

export async function runBackupBench(o: BackupBenchOptions): Promise<BenchReport> {
  const checked = validateConfig({})
  if (!checked.ok) throw new Error(`bench config invalid: ${checked.problems.map((p) => p.message).join('; ')}`)
  const config = checked.config
  const store = openStore({ url: ':memory:' })
  try {
    await store.migrate()
    const sim = await startSimProcess({ scenario: o.scenario, latencyMs: o.latencyMs, pageSize: o.pageSize })
    try {
      const { listed } = sim.facts
      const m = await measureCycle(sim, (cloud) =>
        runBackupCycle(
          { cloud, store, clock: { now: () => new Date() }, sleep: realSleep, random: Math.random, logger: silentLogger, metrics: noopMetrics, config },
          { allProjects: true },
        ),
      )
      const report = m.value
      const tasks = report.plan.tasks.length
      const quotaProjects = new Set(report.discovery.targets.map((t) => t.projectId)).size
      const outcomes = new Map<string, number>()
      for (const r of report.results) outcomes.set(r.outcome, (outcomes.get(r.outcome) ?? 0) + 1)
      const c = config.conductor
      const lowerBound: LowerBoundTerm[] = [
        { what: 'auth', calls: 1, why: 'one Keystone token for the whole cycle' },
        { what: 'version discovery', calls: 2, why: 'Cinder and Nova, both used' },
        { what: 'list servers', calls: pagesFor(listed.servers, o.pageSize), why: `ceil(${listed.servers} / ${o.pageSize}), all_tenants` },
        { what: 'list volumes', calls: pagesFor(listed.volumes, o.pageSize), why: `ceil(${listed.volumes} / ${o.pageSize}), all_tenants` },
        { what: 'list backups', calls: pagesFor(listed.backups, o.pageSize), why: `ceil(${listed.backups} / ${o.pageSize}), all_tenants` },
        { what: 'quota reads', calls: quotaProjects, why: 'one per project with something to back up (the over-quota check)' },
        { what: 'create backup', calls: tasks, why: 'one per planned backup' },
        { what: 'status polls', calls: tasks, why: 'one read per backup; it is available by the next request' },
      ]
      return {
        name: `backup cycle: ${o.scenario.volumes.toLocaleString('en-US')} volumes, ${o.scenario.servers.toLocaleString('en-US')} servers, ${o.scenario.projects} projects`,
        scenario: sim.facts.rows,
        settings: [
          ['latency per call', `${o.latencyMs} ms (real timers, simulator in a child process)`],
          ['page size (osapi_max_limit / max_limit)', o.pageSize],
          ['conductor.backup_workers (claim batch = 4 × workers)', c.backup_workers],
          ['executor pool (global / per project)', '10 / 4 (runBackupTasks default)'],
          ['store', 'SQLite :memory:'],
          ['credential', 'admin, --all-projects (all_tenants)'],
        ],
        calls: m.after.calls,
        lowerBound,
        outcome: [
          ['volumes to protect (discovery)', report.discovery.targets.length],
          ['planned backups (tasks)', tasks],
          ['skipped by discovery / plan', `${report.discovery.skipped.length} / ${report.plan.skipped.length}`],
          ['over quota', report.plan.overQuota.length],
          ['outcomes', [...outcomes].map(([k, n]) => `${k} ${n}`).join(', ') || 'none'],
          ['backups in the cloud after the cycle', m.after.counts.backups],
          ['client requests', m.clientRequests],
          ['client requests without success (retried)', m.clientErrors],
        ],
        timingsMs: m.timingsMs,
        wallMs: m.wallMs,
        rss: m.rss,
        simulatorMaxRssBytes: m.after.maxRssBytes,
        diagnostics: m.diagnostics,
      }
    } finally {
      await sim.close()
    }
  } finally {
    await store.close()
  }
}

runBenchMain(import.meta.url, 'backup', (quick) => runBackupBench(quick ? BACKUP_BENCH_QUICK : BACKUP_BENCH))
