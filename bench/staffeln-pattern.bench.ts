/**
 * Issue 9's "calls for 300 s backups vs Staffeln's pattern, same fleet": API calls of one backup
 * cycle when every backup takes 300 s, Snapwarden against Staffeln's pattern, on the in-process
 * simulator (settle time 300 s) over one fleet, seeded the same way three times:
 *
 *   1. Snapwarden as `snapwarden backup run --all-projects --db :memory:` runs it (runBackupCycle
 *      with the CLI's own client, deps and settings; the command waits until its backups end);
 *   2. Snapwarden as the daemon's backup job runs it (backupJobs(...)'s `backup` job, one run);
 *   3. Staffeln's pattern, modelled as a tiny client loop here (see `staffelnCycle`): list the
 *      servers, one backup create per volume of a tagged server (a token per project, so each
 *      backup lands in its volume's project), then one `GET /backups/{id}` per unfinished backup
 *      every 60 s (Staffeln's poll interval) until each is available.
 *
 * Time is virtual (support/virtual-time.ts): simulator and client share one clock that jumps when
 * everyone sleeps, so 300 s backups take seconds. Calls are the simulator's own counts (every
 * request, connecting included), by route. The work is checked: every volume of a tagged server
 * has exactly one backup, available (the daemon's run does not wait: its backups are checked after
 * the settle time, in the simulator's state, without API calls; the listing that would settle them
 * is the next cycle's own). Exit 1 when the work failed. The ratio Snapwarden / Staffeln is
 * printed against the target (fewer: < 1).
 *
 *   node --import tsx bench/staffeln-pattern.bench.ts [--settle-ms 300000]
 */
import { parseArgs } from 'node:util'
import { simulatorCloudConfig } from '../src/cli/demo-simulator.ts'
import { openMigratedStore } from '../src/cli/open-store.ts'
import { runBackupCycle } from '../src/cycles/backup-cycle.ts'
import { backupJobs } from '../src/daemon/backup-jobs.ts'
import { silentLogger } from '../src/domain/logger.ts'
import { noopMetrics } from '../src/domain/metrics.ts'
import * as backups from '../src/openstack/blockstorage/v3/backups/index.ts'
import * as servers from '../src/openstack/compute/v2/servers/index.ts'
import { connect } from '../src/openstack/connection.ts'
import { startSimulator, type Simulator } from '../src/simulator/index.ts'
import { openCliCloud } from './support/cli-cloud.ts'
import { seedScenario, type BackupScenario } from './support/scenarios.ts'
import { VirtualTime } from './support/virtual-time.ts'

/**
 * Virtual time starts at the real time: the CLI's client reads token expiry on the real clock (its
 * own), the simulator on the virtual one; starting together, a 4 h token outlives the run on both.
 */
const startMs = (): number => Math.floor(Date.now() / 1000) * 1000
const STAFFELN_POLL_MS = 60_000
/** Staffeln's loop gives up after this many rounds (bounded; 300 s backups need 5). */
const STAFFELN_MAX_ROUNDS = 1_000
const BACKUP_KEY = '__staffeln_backup'

/** The fleet: 2 projects, 6 servers all tagged, 12 volumes all attached (as in the devcloud scenario, ×2). */
const SCENARIO: BackupScenario = { kind: 'backup', seed: 2026, projects: 2, servers: 6, volumes: 12, attachedRatio: 1, multiAttachEvery: 0, taggedShare: 1 }

interface World {
  readonly sim: Simulator
  readonly time: VirtualTime
  /** Volumes of servers tagged for backup: what every pattern must back up once. */
  readonly volumes: ReadonlySet<string>
  /** Backups of the default seed, there before the run. */
  readonly before: ReadonlySet<string>
}

interface Figure {
  readonly name: string
  readonly calls: Readonly<Record<string, number>>
  readonly total: number
  readonly cinder: number
  readonly virtualMs: number
  readonly failures: readonly string[]
}

async function startWorld(settleMs: number): Promise<World> {
  const time = new VirtualTime(startMs())
  // latencyMs 1 so that every request passes the hook that tells the virtual clock it arrived.
  const sim = await startSimulator({ seed: 11, transitionMs: settleMs, clock: time.simClock, latencyMs: 1, sleep: time.simLatency, port: 0 })
  seedScenario(sim, SCENARIO)
  const volumes = new Set<string>()
  for (const s of sim.state.servers.list()) if (s.metadata[BACKUP_KEY] === 'true') for (const v of s.volumes) volumes.add(v.id)
  return { sim, time, volumes, before: new Set(sim.state.backups.list().map((b) => b.id)) }
}

/** Every volume to back up has exactly one backup, available (after settling what is due). */
function checkBackups(w: World, label: string): string[] {
  w.sim.state.settle()
  const failures: string[] = []
  for (const volumeId of w.volumes) {
    const list = w.sim.state.backups.list().filter((b) => b.volumeId === volumeId && !w.before.has(b.id))
    if (list.length !== 1) failures.push(`${label}: volume ${volumeId} has ${list.length} backups, expected 1`)
    for (const b of list) if (b.status !== 'available') failures.push(`${label}: backup ${b.id} of volume ${volumeId} is ${b.status}`)
  }
  const others = w.sim.state.backups.list().filter((b) => !w.volumes.has(b.volumeId) && !w.before.has(b.id))
  if (others.length > 0) failures.push(`${label}: ${others.length} backup(s) of volumes not tagged for backup`)
  return failures
}

function figure(name: string, w: World, startMs: number, failures: string[]): Figure {
  const calls = w.sim.calls()
  const total = Object.values(calls).reduce((a, b) => a + b, 0)
  const cinder = Object.entries(calls).filter(([k]) => k.includes(' /volume/')).reduce((a, [, n]) => a + n, 0)
  return { name, calls, total, cinder, virtualMs: w.time.nowMs - startMs, failures }
}

/** 1. As `snapwarden backup run --all-projects --db :memory:` (commands/backup.ts). */
async function snapwardenRun(settleMs: number): Promise<Figure> {
  const w = await startWorld(settleMs)
  const start = w.time.nowMs
  const client = await openCliCloud(w.sim.cloudConfig('admin'), {})
  try {
    const { deps } = client
    const store = await openMigratedStore(deps, ':memory:')
    const report = await runBackupCycle(
      { cloud: client.opened.cloud, store, clock: w.time.clock, sleep: w.time.sleep, random: deps.random, logger: deps.logger, metrics: deps.metrics, config: deps.config() },
      { allProjects: true },
    )
    const failures = report.results.filter((r) => r.outcome !== 'succeeded').map((r) => `backup run: volume ${r.volumeId}: ${r.outcome}${r.error ? ` (${r.error.code}: ${r.error.message})` : ''}`)
    await store.close()
    return figure('Snapwarden, `backup run` (waits for its backups)', w, start, [...failures, ...checkBackups(w, 'backup run')])
  } finally {
    await client.close()
    await w.sim.close()
  }
}

/** 2. As the daemon's backup job (src/daemon/backup-jobs.ts), one run. */
async function snapwardenDaemon(settleMs: number): Promise<Figure> {
  const w = await startWorld(settleMs)
  const start = w.time.nowMs
  const client = await openCliCloud(w.sim.cloudConfig('admin'), {})
  try {
    const { deps } = client
    const store = await openMigratedStore(deps, ':memory:')
    const job = backupJobs(
      {
        clock: w.time.clock,
        sleep: w.time.sleep,
        random: deps.random,
        logger: silentLogger,
        metrics: noopMetrics,
        config: deps.config(),
        openCloud: async () => client.opened.cloud,
        notify: async () => {},
        store,
      },
      true,
    ).find((j) => j.name === 'backup')
    if (job === undefined) throw new Error('the daemon has no backup job')
    const outcome = await job.run(new AbortController().signal)
    const f = figure('Snapwarden, the daemon\'s backup job (one run)', w, start, outcome === 'succeeded' ? [] : [`daemon backup job: ${outcome}`])
    await store.close()
    // Its backups end within the settle time; checked in the simulator's state, without API calls.
    w.time.advance(settleMs)
    return { ...f, failures: [...f.failures, ...checkBackups(w, 'daemon')] }
  } finally {
    await client.close()
    await w.sim.close()
  }
}

/**
 * 3. Staffeln's pattern, as a model: list servers (all projects), a token per project with a
 * tagged server, one create per volume of a tagged server, then every 60 s one GET per backup not
 * yet available, until none is left.
 */
async function staffelnCycle(settleMs: number): Promise<Figure> {
  const w = await startWorld(settleMs)
  const start = w.time.nowMs
  const conn = await connect(simulatorCloudConfig(w.sim, 'admin'), { env: {}, clock: w.time.clock })
  const scopedConns: { close(): Promise<void> }[] = []
  const failures: string[] = []
  try {
    const pending: { id: string; volumeId: string; client: typeof conn.blockStorage }[] = []
    const byProject = new Map<string, typeof conn>()
    for await (const s of servers.list(conn.compute, { allTenants: true })) {
      if (s.metadata[BACKUP_KEY] !== 'true') continue
      let scoped = byProject.get(s.projectId ?? '')
      if (scoped === undefined) {
        scoped = s.projectId === undefined || s.projectId === conn.provider.token?.project?.id ? conn : await conn.scoped(conn.config.withProjectScope(s.projectId))
        if (scoped !== conn) scopedConns.push(scoped)
        byProject.set(s.projectId ?? '', scoped)
      }
      for (const volumeId of s.volumeIds) {
        const b = await backups.create(scoped.blockStorage, { volumeId, force: true, name: `staffeln-model-${volumeId}` })
        pending.push({ id: b.id, volumeId, client: scoped.blockStorage })
      }
    }
    for (let round = 0; pending.length > 0; round++) {
      if (round >= STAFFELN_MAX_ROUNDS) {
        failures.push(`staffeln model: ${pending.length} backup(s) still not available after ${round} rounds`)
        break
      }
      await w.time.sleep(STAFFELN_POLL_MS)
      for (const p of [...pending]) {
        const b = await backups.get(p.client, p.id)
        if (b.status === 'available') pending.splice(pending.indexOf(p), 1)
        else if (b.status.startsWith('error')) {
          failures.push(`staffeln model: backup ${p.id} of volume ${p.volumeId} went to ${b.status}`)
          pending.splice(pending.indexOf(p), 1)
        }
      }
    }
    return figure('Staffeln\'s pattern (modelled: a GET per backup every 60 s)', w, start, [...failures, ...checkBackups(w, 'staffeln model')])
  } finally {
    for (const c of scopedConns) await c.close()
    await conn.close()
    await w.sim.close()
  }
}

function print(f: Figure): void {
  const out = (s: string): void => void process.stdout.write(`${s}\n`)
  out(`-- ${f.name}: ${f.total} calls (Cinder ${f.cinder}), ${(f.virtualMs / 1000).toFixed(0)} s of virtual time`)
  for (const [route, n] of Object.entries(f.calls).sort(([, a], [, b]) => b - a)) out(`     ${String(n).padStart(5)}  ${route}`)
  for (const x of f.failures) out(`  FAILED: ${x}`)
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { 'settle-ms': { type: 'string', default: '300000' }, quick: { type: 'boolean', default: false } } })
  const settleMs = Number(values['settle-ms'])
  if (!Number.isInteger(settleMs) || settleMs < 0) throw new Error(`--settle-ms "${values['settle-ms']}": accepted: an integer ≥ 0 (milliseconds)`)
  const started = performance.now()
  const run = await snapwardenRun(settleMs)
  const daemon = await snapwardenDaemon(settleMs)
  const staffeln = await staffelnCycle(settleMs)
  const out = (s: string): void => void process.stdout.write(`${s}\n`)
  out(`== Staffeln's pattern vs Snapwarden: one backup cycle, backups take ${settleMs / 1000} s ==`)
  out(`fleet: ${SCENARIO.projects} projects, ${SCENARIO.servers} servers tagged ${BACKUP_KEY}, ${SCENARIO.volumes} volumes attached (+ the simulator's default seed); simulator in-process on a virtual clock, CLI defaults`)
  for (const f of [run, daemon, staffeln]) print(f)
  const ratio = (f: Figure): string => `${(f.total / staffeln.total).toFixed(2)}× Staffeln's calls (Cinder ${(f.cinder / staffeln.cinder).toFixed(2)}×)`
  out(`Snapwarden \`backup run\`: ${run.total} calls = ${ratio(run)}: target fewer (< 1×): ${run.total < staffeln.total ? 'met' : 'OVER TARGET'}`)
  out(`Snapwarden daemon job:    ${daemon.total} calls = ${ratio(daemon)}: target fewer (< 1×): ${daemon.total < staffeln.total ? 'met' : 'OVER TARGET'}`)
  out(`real time: ${((performance.now() - started) / 1000).toFixed(1)} s`)
  const failures = [run, daemon, staffeln].flatMap((f) => f.failures)
  out(failures.length === 0 ? 'work: every tagged volume got exactly one available backup, in each of the three runs' : `work: FAILED (${failures.length})`)
  return failures.length === 0 ? 0 : 1
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`staffeln-pattern bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    process.exit(1)
  },
)
