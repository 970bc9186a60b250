/**
 * One snapshot create cycle at scale on the simulator (not a timed test): 50 projects, 2k servers,
 * 10k volumes, 20 ms real latency per call, admin credential with all_tenants. Prints API calls by
 * endpoint against the lower bound, wall time and peak RSS. The simulator runs in a child process.
 *
 *   node --import tsx bench/snapshot-cycle.bench.ts [--quick]
 */
import { runSnapshotCycle } from '../src/cycles/snapshot-cycle.ts'
import { realSleep } from '../src/cli/deps.ts'
import { validateConfig } from '../src/config/validate.ts'
import { noopMetrics } from '../src/domain/metrics.ts'
import { silentLogger } from '../src/domain/logger.ts'
import type { BenchReport } from './support/bench-report.ts'
import { runBenchMain } from './support/bench-main.ts'
import { pagesFor, type LowerBoundTerm } from './support/lower-bound.ts'
import { measureCycle } from './support/measure-cycle.ts'
import type { SnapshotScenario } from './support/scenarios.ts'
import { startSimProcess } from './support/sim-process.ts'

export interface SnapshotBenchOptions {
  readonly scenario: SnapshotScenario
  readonly latencyMs: number
  readonly pageSize: number
  readonly waitForAvailable: boolean
}

/** The scenario of the snapshot issue. */
export const SNAPSHOT_BENCH: SnapshotBenchOptions = {
  scenario: { kind: 'snapshot', seed: 2026, projects: 50, servers: 2000, volumes: 10_000, attachedRatio: 0.85, multiAttachEvery: 100, taggedShare: 0.8 },
  latencyMs: 20,
  pageSize: 1000,
  waitForAvailable: true,
}

/** A tenth of the scenario, for a quick look. */
export const SNAPSHOT_BENCH_QUICK: SnapshotBenchOptions = {
  ...SNAPSHOT_BENCH,
  scenario: { ...SNAPSHOT_BENCH.scenario, projects: 5, servers: 200, volumes: 1000 },
}

export async function runSnapshotBench(o: SnapshotBenchOptions): Promise<BenchReport> {
  const checked = validateConfig({ snapshots: { wait_for_available: o.waitForAvailable } })
  if (!checked.ok) throw new Error(`bench config invalid: ${checked.problems.map((p) => p.message).join('; ')}`)
  const config = checked.config
  const sim = await startSimProcess({ scenario: o.scenario, latencyMs: o.latencyMs, pageSize: o.pageSize })
  try {
    const { listed } = sim.facts
    const m = await measureCycle(sim, (cloud) =>
      runSnapshotCycle(
        { cloud, clock: { now: () => new Date() }, sleep: realSleep, random: Math.random, logger: silentLogger, metrics: noopMetrics, config },
        { mode: 'create', allProjects: true, dryRun: false },
      ),
    )
    const report = m.value
    const creates = report.plan.items.filter((i) => i.action === 'create')
    const deletes = report.plan.items.filter((i) => i.action === 'delete').length
    const counts = report.result?.counts
    const spreads = (report.result?.groups ?? []).map((g) => g.spreadMs)
    const lowerBound: LowerBoundTerm[] = [
      { what: 'auth', calls: 1, why: 'one Keystone token for the whole cycle' },
      { what: 'version discovery', calls: 1, why: 'Cinder only; the snapshot cycle uses no other service' },
      { what: 'list volumes', calls: pagesFor(listed.volumes, o.pageSize), why: `ceil(${listed.volumes} / ${o.pageSize}), all_tenants` },
      { what: 'list snapshots', calls: pagesFor(listed.snapshots, o.pageSize), why: `ceil(${listed.snapshots} / ${o.pageSize}), all_tenants` },
      { what: 'create snapshot', calls: creates.length, why: 'one per planned create' },
      { what: 'delete snapshot', calls: deletes, why: 'one per planned delete; create mode plans none' },
      {
        what: 'status polls',
        calls: o.waitForAvailable ? creates.length : 0,
        why: o.waitForAvailable ? 'one read per created snapshot; it is available by the next request' : 'not waiting',
      },
    ]
    return {
      name: `snapshot create cycle: ${o.scenario.volumes.toLocaleString('en-US')} volumes, ${o.scenario.servers.toLocaleString('en-US')} servers, ${o.scenario.projects} projects`,
      scenario: sim.facts.rows,
      settings: [
        ['latency per call', `${o.latencyMs} ms (real timers, simulator in a child process)`],
        ['page size (osapi_max_limit)', o.pageSize],
        ['snapshots.wait_for_available', String(config.snapshots.wait_for_available)],
        ['snapshots.concurrency / concurrency_per_project', `${config.snapshots.concurrency} / ${config.snapshots.concurrency_per_project}`],
        ['credential', 'admin, --all-projects (all_tenants)'],
      ],
      calls: m.after.calls,
      lowerBound,
      outcome: [
        ['planned creates', creates.length],
        ['groups (one per server, one per detached or multi-attached volume)', new Set(creates.map((c) => c.group)).size],
        ['succeeded / failed / skipped', `${counts?.succeeded ?? 0} / ${counts?.failed ?? 0} / ${counts?.skipped ?? 0}`],
        ['snapshots in the cloud after the cycle', m.after.counts.snapshots],
        ['client requests', m.clientRequests],
        ['client requests without success (retried)', m.clientErrors],
        ['widest start spread within a group', `${spreads.length ? Math.max(...spreads) : 0} ms`],
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
}

runBenchMain(import.meta.url, 'snapshot', (quick) => runSnapshotBench(quick ? SNAPSHOT_BENCH_QUICK : SNAPSHOT_BENCH))
