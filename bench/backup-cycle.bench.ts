/**
 * One backup cycle (the conductor, Staffeln's job) at scale on the simulator (not a timed test):
 * 50 projects, 2k servers (most tagged `__staffeln_backup: true`), 5k volumes, 20 ms real latency
 * per call, the admin credential with --all-projects, SQLite `:memory:` as the store. The client is
 * the CLI's own (clouds.yaml + config file read by buildDeps, openCloud with per-project tokens,
 * the store opened as `--db :memory:`). Checks that every planned backup was made, available, in its
 * volume's project, else exits non-zero; prints API calls by endpoint against the lower bound of
 * the work that succeeded and wall time against its latency bound, beside issue 9's targets.
 *
 *   node --import tsx bench/backup-cycle.bench.ts [--quick] [--settle-ms N]
 *   BENCH_BACKUP_DAEMON=1 …  the daemon's mode: sends its backups, leaves them in flight (no poll)
 */
import { openMigratedStore } from '../src/cli/open-store.ts'
import { runBackupCycle } from '../src/cycles/backup-cycle.ts'
import { boundTargets, type BenchReport } from './support/bench-report.ts'
import { BENCH_LATENCY_JITTER_MS, latencyRow, runBenchMain } from './support/bench-main.ts'
import { minimumPollRounds, pagesFor, type LowerBoundTerm } from './support/lower-bound.ts'
import { measureCycle } from './support/measure-cycle.ts'
import { withVolumes, type BackupScenario } from './support/scenarios.ts'
import { startSimProcess } from './support/sim-process.ts'
import type { ExpectedArtefact } from './support/verify-work.ts'

export interface BackupBenchOptions {
  readonly scenario: BackupScenario
  readonly latencyMs: number
  /** Each call's latency is uniform within latencyMs ± this (BENCH_LATENCY_JITTER_MS). */
  readonly latencyJitterMs: number
  readonly pageSize: number
  /** The simulator's settle time: a backup is creating this long. */
  readonly settleMs: number
  /** The snapwarden.yaml the CLI reads. */
  readonly config: Readonly<Record<string, unknown>>
  /**
   * The daemon's mode (BENCH_BACKUP_DAEMON=1): the cycle sends its backups and does not wait for
   * them (they are left in flight for the next cycle's listing), so it makes no poll round.
   */
  readonly daemon?: boolean
}

/** The backup executor's poll interval (executeClaimed in backup-cycle.ts; not configurable). */
const POLL_INTERVAL_MS = 5_000
const IN_FLIGHT = 16

/** The scenario of issue 9's table: 5k volumes, 16 in flight, 20 ms latency. */
export const BACKUP_BENCH: BackupBenchOptions = {
  scenario: { kind: 'backup', seed: 2026, projects: 50, servers: 2000, volumes: 5000, attachedRatio: 0.85, multiAttachEvery: 100, taggedShare: 0.8 },
  latencyMs: 20,
  latencyJitterMs: BENCH_LATENCY_JITTER_MS,
  pageSize: 1000,
  settleMs: 0,
  config: { conductor: { backup_workers: IN_FLIGHT } },
}

/** A tenth of the scenario, for a quick look. */
export const BACKUP_BENCH_QUICK: BackupBenchOptions = {
  ...BACKUP_BENCH,
  scenario: { ...BACKUP_BENCH.scenario, projects: 5, servers: 200, volumes: 500 },
}

export async function runBackupBench(o: BackupBenchOptions): Promise<BenchReport> {
  const sim = await startSimProcess({ scenario: o.scenario, latencyMs: o.latencyMs, latencyJitterMs: o.latencyJitterMs, pageSize: o.pageSize, settleMs: o.settleMs })
  try {
    const { listed } = sim.facts
    let workers = 0
    let depth = 0
    const m = await measureCycle(sim, o.config, async (cloud, deps) => {
      const config = deps.config()
      workers = config.conductor.backup_workers
      depth = config.conductor.full_backup_depth
      // As `snapwarden backup run --all-projects --db :memory:` calls it (commands/backup.ts).
      const store = await openMigratedStore(deps, ':memory:')
      return runBackupCycle(
        { cloud, store, clock: deps.clock, sleep: deps.sleep, random: deps.random, logger: deps.logger, metrics: deps.metrics, config },
        { allProjects: true, ...(o.daemon && { wait: false }) },
      )
    }, o.daemon ? 'daemon backup job' : 'backup run')
    const report = m.value

    // The work: every planned backup was made, available, in its volume's project.
    const failures: string[] = []
    const byVolume = new Map(report.results.map((r) => [r.volumeId, r]))
    const expected: ExpectedArtefact[] = []
    for (const t of report.plan.tasks) {
      const label = `${t.kind} backup of volume ${t.volumeId} (project ${t.projectId})`
      const r = byVolume.get(t.volumeId)
      if (r === undefined) failures.push(`${label}: planned, never run`)
      else if (o.daemon && r.outcome === 'in_flight') expected.push({ kind: 'backup', id: r.backupId, volumeId: t.volumeId, expect: 'present', label })
      else if (r.outcome !== 'succeeded') failures.push(`${label}: ${r.outcome}${r.error ? ` (${r.error.code}: ${r.error.message})` : ''}`)
      else expected.push({ kind: 'backup', id: r.backupId, volumeId: t.volumeId, expect: 'present', status: 'available', label })
    }
    for (const q of report.plan.overQuota) failures.push(`backup of volume ${q.task.volumeId} (project ${q.task.projectId}): not sent, over quota: ${q.message}`)
    for (const p of report.discovery.problems) failures.push(`server ${p.serverId}: invalid ${p.key}: ${p.message}`)
    const verified = await sim.verify(expected)
    failures.push(...verified.failures)
    const createdOk = verified.createdAt.length
    const extra = m.after.counts.backups - (m.before.counts.backups + createdOk)
    if (extra !== 0) failures.push(`the cloud holds ${m.after.counts.backups} backups, ${extra > 0 ? `${extra} more` : `${-extra} fewer`} than before plus the backups made`)

    // The daemon's job waits for nothing: no poll round.
    const polls = o.daemon ? { rounds: 0, pages: 0, spanMs: 0 } : minimumPollRounds({ count: createdOk, inFlight: workers, latencyMs: o.latencyMs, settleMs: o.settleMs, intervalMs: POLL_INTERVAL_MS, pageSize: o.pageSize })
    const quotaProjects = new Set(report.discovery.targets.map((t) => t.projectId)).size
    const otherProjects = verified.projects.filter((p) => p !== sim.facts.adminProjectId).length
    const lowerBound: LowerBoundTerm[] = [
      { what: 'auth', calls: 1 + otherProjects, why: `one token, plus one scoped to each of the ${otherProjects} other projects that got a backup (per-project tokens)` },
      { what: 'version discovery', calls: 2, why: 'Cinder and Nova, both used, once each' },
      { what: 'list servers', calls: pagesFor(listed.servers, o.pageSize), why: `ceil(${listed.servers} / ${o.pageSize}), all_tenants` },
      { what: 'list volumes', calls: pagesFor(listed.volumes, o.pageSize), why: `ceil(${listed.volumes} / ${o.pageSize}), all_tenants` },
      { what: 'list backups', calls: pagesFor(listed.backups, o.pageSize), why: `ceil(${listed.backups} / ${o.pageSize}), all_tenants` },
      { what: 'quota reads', calls: quotaProjects, why: 'one per project with something to back up (the over-quota check)' },
      { what: 'create backup', calls: createdOk, why: 'one per backup made as planned' },
      {
        what: 'poll rounds',
        calls: polls.pages,
        why: `${polls.rounds} round(s): one listing of what is in flight per ${POLL_INTERVAL_MS / 1000} s poll interval over the ${(polls.spanMs / 1000).toFixed(1)} s from the first create to the last settled at the fastest pace (${workers} in flight, settle ${o.settleMs} ms), ≥ 1 page each`,
      },
    ]
    const longestListing = Math.max(pagesFor(listed.servers, o.pageSize), pagesFor(listed.volumes, o.pageSize), pagesFor(listed.backups, o.pageSize))
    // A create in a project needs that project's token first (per-project tokens): at best they are
    // fetched `workers` at a time, so they cost ceil(projects / workers) latencies in sequence.
    const calls = 3 + longestListing + Math.ceil(quotaProjects / workers) + Math.ceil(otherProjects / workers) + Math.ceil(createdOk / workers) + (polls.rounds > 0 ? 1 : 0)
    const wallBound = {
      ms: o.latencyMs * calls + (polls.rounds > 0 ? o.settleMs : 0),
      why: `${o.latencyMs} ms × (auth + 2 discoveries + the longest listing's pages in sequence + ceil(${quotaProjects} quota reads / ${workers}) + ceil(${otherProjects} project tokens / ${workers}) + ceil(${createdOk} creates / ${workers} in flight) + a last poll) + settle ${o.settleMs} ms`,
    }
    const outcomes = new Map<string, number>()
    for (const r of report.results) outcomes.set(r.outcome, (outcomes.get(r.outcome) ?? 0) + 1)
    return {
      id: 'backup-cycle',
      name: `backup cycle: ${o.scenario.volumes.toLocaleString('en-US')} volumes, ${o.scenario.servers.toLocaleString('en-US')} servers, ${o.scenario.projects} projects`,
      scenario: sim.facts.rows,
      settings: [
        ['latency per call', latencyRow(o.latencyMs, o.latencyJitterMs)],
        ['settle time (creating → available)', `${o.settleMs} ms${o.settleMs === 0 ? ' (by the next request)' : ''}`],
        ['page size (osapi_max_limit / max_limit)', o.pageSize],
        ['client', 'the CLI\'s: buildDeps + openCloud from a clouds.yaml and snapwarden.yaml (per-project tokens)'],
        ['config (snapwarden.yaml)', JSON.stringify(o.config)],
        ['conductor.backup_workers / full_backup_depth', `${workers} / ${depth}`],
        ['store', 'SQLite :memory: (openMigratedStore, as --db :memory:)'],
        ['command equivalent', o.daemon ? "the daemon's backup job, one cycle (runBackupCycle wait: false; BENCH_BACKUP_DAEMON=1)" : 'snapwarden backup run --all-projects --db :memory:'],
      ],
      calls: m.after.calls,
      lowerBound,
      wallBound,
      outcome: [
        ['volumes to protect (discovery)', report.discovery.targets.length],
        ['planned backups (tasks) / inserted', `${report.plan.tasks.length} / ${report.planned}`],
        ['skipped by discovery / plan', `${report.discovery.skipped.length} / ${report.plan.skipped.length}`],
        ['over quota', report.plan.overQuota.length],
        ['outcomes', [...outcomes].map(([k, n]) => `${k} ${n}`).join(', ') || 'none'],
        ['verified in the cloud: made as planned', createdOk],
        ['backups in the cloud before / after the cycle', `${m.before.counts.backups} / ${m.after.counts.backups}`],
        ['client requests', m.clientRequests],
        ['client requests without success', m.clientErrors],
      ],
      failures,
      timingsMs: m.timingsMs,
      wallMs: m.wallMs,
      rss: m.rss,
      simulatorMaxRssBytes: m.after.maxRssBytes,
      targets: [...boundTargets({ calls: m.after.calls, lowerBound, wallMs: m.wallMs, wallBound }), { figure: 'peak RSS (client)', value: `${(m.rss.peakBytes / 1024 / 1024).toFixed(0)} MiB`, target: 'none for this cycle', met: undefined }],
      diagnostics: [
        ...m.diagnostics,
        [
          'client CPU per backup task',
          report.results.length ? `${(m.clientCpuMs / report.results.length).toFixed(2)} ms (all of the client's CPU, start-up and listings included, over ${report.results.length} tasks)` : 'no tasks',
        ],
      ],
    }
  } finally {
    await sim.close()
  }
}

runBenchMain(import.meta.url, 'backup', ({ quick, settleMs, volumes, latencyJitterMs }) => {
  const base = quick ? BACKUP_BENCH_QUICK : BACKUP_BENCH
  const sized = volumes === undefined ? base : { ...base, scenario: withVolumes(base.scenario, volumes) }
  const daemon = process.env['BENCH_BACKUP_DAEMON'] === '1'
  return runBackupBench({ ...sized, ...(settleMs !== undefined && { settleMs }), ...(latencyJitterMs !== undefined && { latencyJitterMs }), ...(daemon && { daemon }) })
})
