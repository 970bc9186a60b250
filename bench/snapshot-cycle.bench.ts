/**
 * One snapshot create cycle at scale on the simulator (not a timed test): 50 projects, 2k servers,
 * 10k volumes, 20 ms real latency per call, the admin credential with --all-projects. The client is
 * the CLI's own (clouds.yaml + config file read by buildDeps, openCloud with per-project tokens).
 * Checks that every planned create made an available snapshot in its volume's project, else exits
 * non-zero; prints API calls by endpoint against the lower bound of the work that succeeded, wall
 * time against its latency bound, planner time and peak RSS against issue 9's targets.
 *
 *   node --import tsx bench/snapshot-cycle.bench.ts [--quick] [--settle-ms N] [--volumes N]
 */
import { runSnapshotCycle, type CycleReport } from '../src/cycles/snapshot-cycle.ts'
import type { SnapshotRecord, VolumeRef } from '../src/domain/inventory.ts'
import type { Cloud } from '../src/domain/ports.ts'
import { buildSnapshotPlan } from '../src/planner/snapshot-plan.ts'
import { boundTargets, mib, type BenchReport, type TargetFigure } from './support/bench-report.ts'
import { BENCH_LATENCY_JITTER_MS, latencyRow, runBenchMain } from './support/bench-main.ts'
import { minimumPollRounds, pagesFor, type LowerBoundTerm } from './support/lower-bound.ts'
import { measureCycle } from './support/measure-cycle.ts'
import { rssTargetFigure } from './support/rss-sampler.ts'
import { withVolumes, type SnapshotScenario } from './support/scenarios.ts'
import { startSimProcess } from './support/sim-process.ts'
import type { ExpectedArtefact } from './support/verify-work.ts'

export interface SnapshotBenchOptions {
  readonly scenario: SnapshotScenario
  readonly latencyMs: number
  /** Each call's latency is uniform within latencyMs ± this (BENCH_LATENCY_JITTER_MS). */
  readonly latencyJitterMs: number
  readonly pageSize: number
  /** The simulator's settle time: a snapshot is creating this long. */
  readonly settleMs: number
  /** The snapwarden.yaml the CLI reads. */
  readonly config: Readonly<Record<string, unknown>>
}

/** The snapshot executor's poll interval (run-snapshot-plan.ts default; not configurable). */
const POLL_INTERVAL_MS = 5_000
const IN_FLIGHT = 16

/** The scenario of issue 9's table: 10k volumes / 50 projects, 16 in flight, 20 ms latency. */
export const SNAPSHOT_BENCH: SnapshotBenchOptions = {
  scenario: { kind: 'snapshot', seed: 2026, projects: 50, servers: 2000, volumes: 10_000, attachedRatio: 0.85, multiAttachEvery: 100, taggedShare: 0.8 },
  latencyMs: 20,
  latencyJitterMs: BENCH_LATENCY_JITTER_MS,
  pageSize: 1000,
  settleMs: 0,
  config: { snapshots: { wait_for_available: true, concurrency: IN_FLIGHT } },
}

/** A tenth of the scenario, for a quick look. */
export const SNAPSHOT_BENCH_QUICK: SnapshotBenchOptions = {
  ...SNAPSHOT_BENCH,
  scenario: { ...SNAPSHOT_BENCH.scenario, projects: 5, servers: 200, volumes: 1000 },
}

const PLANNER_RUNS = 5
const TARGET_PLANNER_MS = 50

/**
 * The cycle's own listing, read again once the cycle was measured (holding it during the cycle
 * would measure more than the CLI uses): the volumes as they are (the cycle changes none), the
 * snapshots without those the cycle created.
 */
async function listingBeforeCycle(cloud: Cloud, report: CycleReport): Promise<{ volumes: VolumeRef[]; snapshots: SnapshotRecord[] }> {
  const created = new Set((report.result?.items ?? []).flatMap((r) => (r.item.action === 'create' && r.snapshotId ? [r.snapshotId] : [])))
  const volumes: VolumeRef[] = []
  const snapshots: SnapshotRecord[] = []
  for await (const v of cloud.listVolumes({ allProjects: true })) volumes.push(v)
  for await (const s of cloud.listSnapshots({ allProjects: true })) if (!created.has(s.id)) snapshots.push(s)
  return { volumes, snapshots }
}

export async function runSnapshotBench(o: SnapshotBenchOptions): Promise<BenchReport> {
  const sim = await startSimProcess({ scenario: o.scenario, latencyMs: o.latencyMs, latencyJitterMs: o.latencyJitterMs, pageSize: o.pageSize, settleMs: o.settleMs })
  try {
    const { listed } = sim.facts
    let settings: { concurrency: number; perProject: number; wait: boolean; stuckAfterMs: number } | undefined
    const m = await measureCycle(sim, o.config, (cloud, deps) => {
      const config = deps.config()
      settings = { concurrency: config.snapshots.concurrency, perProject: config.snapshots.concurrency_per_project, wait: config.snapshots.wait_for_available, stuckAfterMs: config.snapshots.stuck_after * 1000 }
      // As `snapwarden create-snapshots --all-projects` calls it (snapshot-cycle-commands.ts).
      return runSnapshotCycle(
        { cloud, clock: deps.clock, sleep: deps.sleep, random: deps.random, logger: deps.logger, metrics: deps.metrics, config },
        { mode: 'create', allProjects: true, dryRun: false },
      )
    }, 'create-snapshots', listingBeforeCycle)
    const report = m.value
    const s = settings as NonNullable<typeof settings>

    // The work: every planned create and delete ended as planned, in the cloud.
    const failures: string[] = []
    const results = report.result?.items ?? []
    const expected: ExpectedArtefact[] = []
    for (const r of results) {
      if (r.item.action !== 'create' && r.item.action !== 'delete') continue
      const label = `${r.item.action} snapshot of volume ${r.item.volumeId}`
      if (r.status !== 'succeeded') {
        failures.push(`${label}: ${r.status}${r.error ? ` (${r.error.code}: ${r.error.message})` : ''}`)
        continue
      }
      expected.push(
        r.item.action === 'create'
          ? { kind: 'snapshot', id: r.snapshotId, volumeId: r.item.volumeId, expect: 'present', ...(s.wait ? { status: 'available' } : {}), label }
          : { kind: 'snapshot', id: 'snapshotId' in r.item ? r.item.snapshotId : r.snapshotId, volumeId: r.item.volumeId, expect: 'absent', label },
      )
    }
    const plannedCreates = report.plan.items.filter((i) => i.action === 'create').length
    const plannedDeletes = report.plan.items.filter((i) => i.action === 'delete').length
    if (results.length !== report.plan.items.length) failures.push(`the executor reported ${results.length} results for ${report.plan.items.length} planned items`)
    const verified = await sim.verify(expected)
    failures.push(...verified.failures)
    const createdOk = verified.createdAt.length
    const deletedOk = expected.filter((e) => e.expect === 'absent').length - verified.failures.filter((f) => f.startsWith('delete')).length
    const extra = m.after.counts.snapshots - (m.before.counts.snapshots + createdOk - deletedOk)
    if (extra !== 0) failures.push(`the cloud holds ${m.after.counts.snapshots} snapshots, ${extra > 0 ? `${extra} more` : `${-extra} fewer`} than before plus the creates minus the deletes (duplicates or lost artefacts)`)

    // The pure planner on the cycle's own listing, after the cycle (each run at a fresh instant, so
    // the schedule-window memo is as cold as in the cycle).
    const { volumes, snapshots } = m.afterCycle!
    const stuckAfterMs = s.stuckAfterMs
    const times: number[] = []
    for (let i = 1; i <= PLANNER_RUNS; i++) {
      const t0 = performance.now()
      buildSnapshotPlan({ volumes, snapshots, now: new Date(report.now.getTime() + i), settings: { mode: 'create', stuckAfterMs } })
      times.push(performance.now() - t0)
    }
    const plannerMs = { first: times[0] ?? 0, median: [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)] ?? 0, runs: PLANNER_RUNS }

    const polls = s.wait
      ? minimumPollRounds({ count: createdOk, inFlight: s.concurrency, latencyMs: o.latencyMs, settleMs: o.settleMs, intervalMs: POLL_INTERVAL_MS, pageSize: o.pageSize })
      : { rounds: 0, pages: 0, spanMs: 0 }
    const otherProjects = verified.projects.filter((p) => p !== sim.facts.adminProjectId).length
    const lowerBound: LowerBoundTerm[] = [
      { what: 'auth', calls: 1 + otherProjects, why: `one token, plus one scoped to each of the ${otherProjects} other projects that got a snapshot (per-project tokens)` },
      { what: 'version discovery', calls: 1, why: 'Cinder only (once; scoped connections re-use it); the snapshot cycle uses no other service' },
      { what: 'list volumes', calls: pagesFor(listed.volumes, o.pageSize), why: `ceil(${listed.volumes} / ${o.pageSize}), all_tenants` },
      { what: 'list snapshots', calls: pagesFor(listed.snapshots, o.pageSize), why: `ceil(${listed.snapshots} / ${o.pageSize}), all_tenants` },
      { what: 'create snapshot', calls: createdOk, why: 'one per snapshot created as planned' },
      { what: 'delete snapshot', calls: deletedOk, why: `one per snapshot deleted as planned${plannedDeletes === 0 ? '; create mode plans none' : ''}` },
      {
        what: 'poll rounds',
        calls: polls.pages,
        why: s.wait
          ? `${polls.rounds} round(s): one listing of what is in flight per ${POLL_INTERVAL_MS / 1000} s poll interval over the ${(polls.spanMs / 1000).toFixed(1)} s from the first create to the last settled at the fastest pace (${s.concurrency} in flight, settle ${o.settleMs} ms), ≥ 1 page each`
          : 'not waiting (wait_for_available false)',
      },
    ]
    const itemBatches = Math.ceil((createdOk + deletedOk) / s.concurrency)
    const wallBound = {
      ms: o.latencyMs * (2 + Math.max(pagesFor(listed.volumes, o.pageSize), pagesFor(listed.snapshots, o.pageSize)) + itemBatches + (polls.rounds > 0 ? 1 : 0)) + (polls.rounds > 0 ? o.settleMs : 0),
      why: `${o.latencyMs} ms × (auth + discovery + the longer listing's pages in sequence + ceil(${createdOk + deletedOk} items / ${s.concurrency} in flight) + a last poll) + settle ${o.settleMs} ms`,
    }
    const full = o.scenario.volumes === 10_000
    const targets: TargetFigure[] = [
      ...boundTargets({ calls: m.after.calls, lowerBound, wallMs: m.wallMs, wallBound }),
      { figure: `planner, ${o.scenario.volumes.toLocaleString('en-US')} volumes (first run)`, value: `${plannerMs.first.toFixed(1)} ms`, target: `≤ ${TARGET_PLANNER_MS} ms at 10k volumes`, met: full ? plannerMs.first <= TARGET_PLANNER_MS : undefined },
      rssTargetFigure(o.scenario.volumes, m.rss.peakBytes),
    ]
    const counts = report.result?.counts
    const spreads = (report.result?.groups ?? []).map((g) => g.spreadMs)
    return {
      id: 'snapshot-cycle',
      name: `snapshot create cycle: ${o.scenario.volumes.toLocaleString('en-US')} volumes, ${o.scenario.servers.toLocaleString('en-US')} servers, ${o.scenario.projects} projects`,
      scenario: sim.facts.rows,
      settings: [
        ['latency per call', latencyRow(o.latencyMs, o.latencyJitterMs)],
        ['settle time (creating → available)', `${o.settleMs} ms${o.settleMs === 0 ? ' (by the next request)' : ''}`],
        ['page size (osapi_max_limit)', o.pageSize],
        ['client', 'the CLI\'s: buildDeps + openCloud from a clouds.yaml and snapwarden.yaml (per-project tokens)'],
        ['config (snapwarden.yaml)', JSON.stringify(o.config)],
        ['snapshots.wait_for_available', String(s.wait)],
        ['snapshots.concurrency / concurrency_per_project', `${s.concurrency} / ${s.perProject}`],
        ['command equivalent', 'snapwarden create-snapshots --all-projects'],
      ],
      calls: m.after.calls,
      lowerBound,
      wallBound,
      plannerMs,
      outcome: [
        ['planned creates / deletes', `${plannedCreates} / ${plannedDeletes}`],
        ['groups (one per server, one per detached or multi-attached volume)', new Set(report.plan.items.filter((i) => i.action === 'create').map((c) => c.group)).size],
        ['executor: succeeded / failed / skipped', `${counts?.succeeded ?? 0} / ${counts?.failed ?? 0} / ${counts?.skipped ?? 0}`],
        ['verified in the cloud: created / deleted as planned', `${createdOk} / ${deletedOk}`],
        ['snapshots in the cloud before / after the cycle', `${m.before.counts.snapshots} / ${m.after.counts.snapshots}`],
        ['client requests', m.clientRequests],
        ['client requests without success', m.clientErrors],
        ['widest start spread within a group', `${spreads.length ? Math.max(...spreads) : 0} ms`],
      ],
      failures,
      timingsMs: m.timingsMs,
      wallMs: m.wallMs,
      rss: m.rss,
      simulatorMaxRssBytes: m.after.maxRssBytes,
      targets,
      diagnostics: m.diagnostics,
    }
  } finally {
    await sim.close()
  }
}

runBenchMain(import.meta.url, 'snapshot', ({ quick, settleMs, volumes, latencyJitterMs }) => {
  const base = quick ? SNAPSHOT_BENCH_QUICK : SNAPSHOT_BENCH
  const sized = volumes === undefined ? base : { ...base, scenario: withVolumes(base.scenario, volumes) }
  return runSnapshotBench({ ...sized, ...(settleMs !== undefined && { settleMs }), ...(latencyJitterMs !== undefined && { latencyJitterMs }) })
})
