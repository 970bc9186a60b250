/**
 * Several-daemons campaign (issue 7, "Campaigns in the suite"): 4 backup daemons, each a separate
 * process (tests/support/backup-daemon-driver.ts runs the daemon's backup job), share one
 * PostgreSQL database for 30 backup periods; in one period a daemon is killed with SIGKILL while
 * its backup creates are in flight (they reach the simulator, whose answers never get back), and is
 * started again for the next period. The same with 2 processes on one SQLite file.
 *
 * Every period, all daemons run their backup job at the same virtual instant; the simulator holds
 * the backup creates until every daemon that found work has sent its first ones, so the daemons
 * really run tasks side by side. Admin with `--all-projects` over two projects.
 *
 * Checks: 0 double backups (at most one backup per volume and period, and no backup that no task
 * recorded: each task made exactly one), 0 lost tasks (no task left open once a last run settled
 * what the daemons left in flight, every task succeeded, every volume backed up in the last period).
 */
import assert from 'node:assert/strict'
import { fork, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import pg from 'pg'
import type { BackupTask, Store } from '../../src/domain/store-port.ts'
import { openStore } from '../../src/store/index.ts'
import { BACKUP_ROUTES, HOUR } from '../support/backup-sim.ts'
import { SIM_START, startSimHarness } from '../support/sim-cloud.ts'
import { projectIds } from '../support/sim-scenario.ts'

const PERIODS = 30
const PERIOD_MS = HOUR
const WORKERS = 2
const SERVERS_PER_PROJECT = 3
const VOLUMES_PER_SERVER = 2
/** A latency this long marks a backup create the simulator holds until the campaign releases it. */
const HOLD_MS = 24 * HOUR
const WAIT_MS = 60_000
const DRIVER = new URL('../support/backup-daemon-driver.ts', import.meta.url).pathname

const PG_URL = process.env['PG_URL']
if (process.env['REQUIRE_PG'] === '1') {
  test('PostgreSQL is available when REQUIRE_PG=1', () => {
    assert.ok(PG_URL, 'REQUIRE_PG=1 but PG_URL is not set: run `eval "$(bash scripts/start-postgres.sh)"` first')
  })
}

/** Wakes waiters whenever something happens (a held request, a message, an exit). */
class Events {
  #waiters = new Set<() => void>()
  wake(): void {
    for (const w of [...this.#waiters]) w()
  }
  /** Resolves when `pred()` holds; rejects after `timeoutMs` naming `what`. */
  until(pred: () => boolean, what: () => string, timeoutMs = WAIT_MS): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!pred()) return
        clearTimeout(timer)
        this.#waiters.delete(check)
        resolve()
      }
      const timer = setTimeout(() => {
        this.#waiters.delete(check)
        reject(new Error(`not within ${timeoutMs} ms: ${what()}`))
      }, timeoutMs)
      this.#waiters.add(check)
      check()
    })
  }
}

interface Daemon {
  readonly name: string
  readonly child: ChildProcess
  readonly pid: number
  /** Outcome per tick id; absent while the tick runs. */
  readonly done: Map<number, { outcome: string; error?: { code: string; message: string } }>
  exited: boolean
  output: string
  /** Backup creates sent and not answered yet. */
  inFlight: number
}

async function spawnDaemon(name: string, setup: unknown, events: Events): Promise<Daemon> {
  const child = fork(DRIVER, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, DRIVER_SETUP: JSON.stringify(setup) },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  })
  const d: Daemon = { name, child, pid: child.pid ?? -1, done: new Map(), exited: false, output: '', inFlight: 0 }
  let ready = false
  child.stdout?.on('data', (b: Buffer) => (d.output += String(b)))
  child.stderr?.on('data', (b: Buffer) => (d.output += String(b)))
  child.on('message', (m: { type: string; id?: number; outcome?: string; error?: { code: string; message: string } }) => {
    if (m.type === 'ready') ready = true
    if (m.type === 'create') d.inFlight++
    if (m.type === 'answered') d.inFlight--
    if (m.type === 'done' && m.id !== undefined) d.done.set(m.id, { outcome: m.outcome ?? '?', ...(m.error ? { error: m.error } : {}) })
    events.wake()
  })
  child.on('exit', () => {
    d.exited = true
    events.wake()
  })
  await events.until(() => ready || d.exited, () => `${name} ready`)
  if (!ready) throw new Error(`${name} exited before it was ready:\n${d.output}`)
  return d
}

interface StoreSpace {
  readonly url: string
  cleanup(): Promise<void>
}

function sqliteSpace(): StoreSpace {
  const dir = mkdtempSync(join(tmpdir(), 'swtest-daemons-'))
  return { url: `sqlite:${join(dir, 'snapwarden.sqlite')}`, cleanup: async () => rmSync(dir, { recursive: true, force: true }) }
}

/**
 * The test database's public schema, emptied first (as tests/integration/store.test.ts does). The
 * campaigns tier runs one file at a time, after the unit tier, so no other test uses it meanwhile.
 * (A schema of its own does not work: Kysely's migrator looks for its tables in every schema.)
 */
async function postgresSpace(url: string): Promise<StoreSpace> {
  const drop = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: url })
    await c.connect()
    try {
      await c.query('drop table if exists backup_tasks, backups, leases, runs, kysely_migration, kysely_migration_lock cascade')
    } finally {
      await c.end()
    }
  }
  await drop()
  return { url, cleanup: drop }
}

/** Every task in the store: finished ones (none is ever marked reported here) and open ones. */
async function allTasks(store: Store): Promise<BackupTask[]> {
  return [...(await store.tasksForReport()), ...(await store.openTasks())]
}

async function campaign(t: TestContext, opts: { daemons: number; space: StoreSpace; killAt: number }): Promise<void> {
  const events = new Events()
  const held: (() => void)[] = []
  let holding = false
  const h = await startSimHarness({
    seed: 41,
    sleep: (ms) => {
      if (ms < HOLD_MS) {
        h.clock.advance(ms)
        return Promise.resolve()
      }
      if (!holding) return Promise.resolve()
      return new Promise<void>((resolve) => {
        held.push(resolve)
        events.wake()
      })
    },
  })
  const daemons: Daemon[] = []
  const store = openStore({ url: opts.space.url })
  try {
    await store.migrate()
    const { admin, demo } = projectIds(h.sim)
    const adminUser = [...h.sim.state.identity.users.values()].find((u) => u.name === 'admin')!
    h.sim.state.identity.grant(adminUser.id, demo, 'member')
    const volumes: { id: string; projectId: string }[] = []
    for (const projectId of [admin, demo]) {
      h.sim.state.setQuota(projectId, { backups: 100_000, backupGigabytes: 1_000_000, volumes: 1000, gigabytes: 100_000 })
      for (let s = 0; s < SERVERS_PER_PROJECT; s++) {
        const server = h.sim.state.addServer({ projectId, name: `swtest-J-daemons-${projectId.slice(0, 4)}-${s}`, metadata: { __staffeln_backup: 'true' } })
        for (let v = 0; v < VOLUMES_PER_SERVER; v++) {
          const vol = h.sim.state.addVolume({ projectId, name: `${server.name}-v${v}`, size: 1 })
          h.sim.state.attach(server.id, vol.id)
          volumes.push({ id: vol.id, projectId })
        }
      }
    }
    // The default seed's backups are not ours to count.
    const seedBackups = new Set(h.sim.state.backups.list().map((b) => b.id))
    h.sim.faults.latency(HOLD_MS, { route: BACKUP_ROUTES.create })

    const setup = {
      cloud: h.sim.cloudConfig('admin'),
      storeUrl: opts.space.url,
      allProjects: true,
      conductor: {
        backup_workers: WORKERS,
        backup_service_period: PERIOD_MS / 1000,
        // Within a period a volume is backed up once; every period it is due again.
        backup_min_interval: PERIOD_MS / 2000,
        backup_cycle_timeout: 60,
      },
    }
    for (let i = 0; i < opts.daemons; i++) daemons.push(await spawnDaemon(`daemon-${i}`, setup, events))

    let tickId = 0
    const figures = { ticks: 0, killed: '', killedTasksInFlight: '', tickFailures: [] as string[] }
    const live = (): Daemon[] => daemons.filter((d) => !d.exited)
    const tick = (d: Daemon, at: number): number => {
      const id = ++tickId
      d.child.send({ type: 'tick', id, at })
      figures.ticks++
      return id
    }

    for (let k = 0; k <= PERIODS; k++) {
      const at = SIM_START + k * PERIOD_MS
      h.clock.set(Math.max(h.clock.now(), at))
      // The killed daemon is started again, as its service manager would.
      for (let i = 0; i < daemons.length; i++) if (daemons[i]!.exited) daemons[i] = await spawnDaemon(`${daemons[i]!.name}'`, setup, events)
      // The last round (k = PERIODS) drains: no holding, every daemon runs once more.
      holding = k < PERIODS
      const ticks = new Map<Daemon, number[]>()
      const pending = (): Daemon[] => live().filter((d) => (ticks.get(d) ?? []).some((id) => !d.done.has(id)))
      for (const d of live()) ticks.set(d, [tick(d, at)])
      if (holding) {
        // Settled: every daemon whose job still runs has a create in flight, and all of them reached the simulator.
        const inFlight = (): number => live().reduce((n, d) => n + d.inFlight, 0)
        const settled = (): boolean => live().every((d) => d.inFlight > 0 || !pending().includes(d)) && held.length >= inFlight()
        const state = (): string => `${live().map((d) => `${d.name}: ${pending().includes(d) ? 'running' : 'idle'}, ${d.inFlight} in flight`).join('; ')}; held ${held.length}`
        await events.until(settled, () => `period ${k}, first run: ${state()}`)
        // Daemons that found nothing (the planner had not planned yet) run again, as their timers would.
        for (const d of live().filter((x) => !pending().includes(x))) ticks.get(d)!.push(tick(d, at))
        await events.until(settled, () => `period ${k}, second run: ${state()}`)
        if (k === opts.killAt) {
          // Kill a daemon that has creates in flight, preferring one with a volume of the other project.
          const inFlight = (await store.openTasks()).filter((x) => x.backupName !== undefined && x.backupId === undefined && x.owner !== undefined)
          const pidOf = (owner: string): number => Number(owner.split(':')[1])
          const byPid = (x: BackupTask) => live().find((d) => d.pid === pidOf(x.owner!))
          const target = inFlight.find((x) => x.projectId === demo && byPid(x)) ?? inFlight.find((x) => byPid(x))
          assert.ok(target, `period ${k}: no daemon has a create in flight (open: ${JSON.stringify(inFlight)})`)
          const victim = byPid(target)!
          figures.killed = victim.name
          const mine = inFlight.filter((x) => pidOf(x.owner!) === victim.pid)
          figures.killedTasksInFlight = `${mine.length} (${mine.filter((x) => x.projectId === demo).length} in the demo project)`
          victim.child.kill('SIGKILL')
          await events.until(() => victim.exited, () => `${victim.name} exited after SIGKILL`)
        }
        holding = false
        for (const release of held.splice(0)) release()
      }
      await events.until(() => pending().length === 0, () => `period ${k}: every daemon's job finished (pending ${pending().map((d) => d.name)})`)
      for (const [d, ids] of ticks) {
        for (const id of ids) {
          const r = d.done.get(id)
          if (r && r.outcome !== 'succeeded' && r.outcome !== 'skipped') figures.tickFailures.push(`period ${k} ${d.name}: ${r.outcome} ${r.error ? `${r.error.code} ${r.error.message}` : ''}`)
        }
      }
    }

    // The daemons leave the backups they sent in flight: one more run of every daemon a quarter
    // period later settles them (the planner's listing, or a claimer past their deadline); nothing
    // new is due then (backup_min_interval is half a period). Each daemon's clock runs ahead of the
    // instant it was given by its own sleeps, so the same instant could precede a backup's start.
    h.sim.state.settle()
    {
      const at = SIM_START + PERIODS * PERIOD_MS + PERIOD_MS / 4
      h.clock.set(Math.max(h.clock.now(), at))
      const ticks = live().map((d) => [d, tick(d, at)] as const)
      await events.until(() => ticks.every(([d, id]) => d.done.has(id)), () => 'the settling run of every daemon')
      for (const [d, id] of ticks) {
        const r = d.done.get(id)
        if (r && r.outcome !== 'succeeded' && r.outcome !== 'skipped') figures.tickFailures.push(`settling run ${d.name}: ${r.outcome} ${r.error ? `${r.error.code} ${r.error.message}` : ''}`)
      }
    }

    // Figures and checks.
    h.sim.state.settle()
    const tasks = await allTasks(store)
    const open = tasks.filter((x) => x.state === 'planned' || x.state === 'started')
    const notSucceeded = tasks.filter((x) => x.state !== 'succeeded' && x.state !== 'planned' && x.state !== 'started')
    const backups = h.sim.state.backups.list().filter((b) => !seedBackups.has(b.id))
    const taskBackupIds = new Set(tasks.map((x) => x.backupId).filter((id): id is string => id !== undefined))
    const orphans = backups.filter((b) => !taskBackupIds.has(b.id))
    let samePeriod = 0
    const problems: string[] = []
    // Our volumes and any of the default seed's that are tagged for backups.
    for (const x of tasks) if (!volumes.some((v) => v.id === x.volumeId)) volumes.push({ id: x.volumeId, projectId: x.projectId })
    for (const v of volumes) {
      const perPeriod = new Map<number, number>()
      for (const b of backups.filter((x) => x.volumeId === v.id)) {
        const p = Math.floor((b.createdAt - SIM_START) / PERIOD_MS)
        perPeriod.set(p, (perPeriod.get(p) ?? 0) + 1)
      }
      for (const [p, n] of perPeriod) if (n > 1) (samePeriod += n - 1), problems.push(`volume ${v.id}: ${n} backups in period ${p}`)
      if (!perPeriod.has(PERIODS - 1) && !perPeriod.has(PERIODS)) problems.push(`volume ${v.id}: no backup in the last period`)
    }
    for (const b of orphans) problems.push(`backup ${b.id} (volume ${b.volumeId}, ${b.name}) belongs to no task: a second backup`)
    const simStatus = (id: string | undefined) => (id ? (h.sim.state.backups.get(id)?.status ?? 'gone') : '-')
    const iso = (d: Date | undefined) => d?.toISOString() ?? '-'
    for (const x of open) {
      problems.push(`task ${x.id} (volume ${x.volumeId}) left ${x.state}, owner ${x.owner}, started ${iso(x.startedAt)}, deadline ${iso(x.deadlineAt)}, lease ${iso(x.leaseExpiresAt)}, backup ${x.backupId ?? '-'} ${simStatus(x.backupId)} (settling run at ${new Date(SIM_START + PERIODS * PERIOD_MS + PERIOD_MS / 4).toISOString()})`)
    }
    for (const x of notSucceeded) problems.push(`task ${x.id} (volume ${x.volumeId}) ${x.state}: ${x.errorCode} ${x.errorMessage}`)
    const reclaimed = tasks.filter((x) => x.attempts > 1).length
    const doubles = samePeriod + orphans.length

    t.diagnostic(`daemons: ${opts.daemons}, periods: ${PERIODS} (+1 drain), job runs: ${figures.ticks}, killed: ${figures.killed} with ${figures.killedTasksInFlight} creates in flight in period ${opts.killAt}`)
    t.diagnostic(`volumes: ${volumes.length}, tasks: ${tasks.length} (re-claimed ${reclaimed}), backups: ${backups.length}, double backups: ${doubles} (same period ${samePeriod}, untracked ${orphans.length}), lost tasks: ${open.length + notSucceeded.length}`)
    t.diagnostic(`simulator backup creates: ${h.sim.calls()[BACKUP_ROUTES.create] ?? 0}; job runs not succeeded: ${figures.tickFailures.length}`)
    // A daemon's job run that did not succeed (a store conflict, a worker error) is a problem too.
    problems.push(...figures.tickFailures)
    for (const p of problems.slice(0, 15)) t.diagnostic(p)

    assert.equal(figures.killed !== '', true, 'no daemon was killed')
    assert.equal(doubles, 0, `double backups:\n${problems.join('\n')}`)
    assert.equal(open.length + notSucceeded.length, 0, `lost tasks:\n${problems.join('\n')}`)
    assert.deepEqual(problems, [])
  } finally {
    holding = false
    for (const release of held.splice(0)) release()
    for (const d of daemons) if (!d.exited) d.child.kill('SIGKILL')
    await Promise.all(daemons.map((d) => (d.exited ? undefined : events.until(() => d.exited, () => `${d.name} exit`, 10_000).catch(() => undefined))))
    await store.close()
    await h.close()
    await opts.space.cleanup()
  }
}

// Without PG_URL only the SQLite campaign runs (as in store.test.ts); REQUIRE_PG=1 makes that a failure above.
if (PG_URL !== undefined) {
  const url = PG_URL
  test('4 backup daemons on one PostgreSQL × 30 periods, one killed mid-cycle: 0 double backups, 0 lost tasks', { timeout: 240_000 }, async (t) => {
    await campaign(t, { daemons: 4, space: await postgresSpace(url), killAt: 11 })
  })
}

test('2 backup daemons on one SQLite file × 30 periods, one killed mid-cycle: 0 double backups, 0 lost tasks', { timeout: 180_000 }, async (t) => {
  await campaign(t, { daemons: 2, space: sqliteSpace(), killAt: 7 })
})
