// Campaign "overlap" (issue 7): processes that run at the same moment against one cloud (and one
// store) must not protect anything twice: two one-off `run`s, two `backup run`s (one with a slow
// quota read), and two daemons on the same cron sharing a store (one SQLite file; the store is what
// lets daemons coordinate, so both run with --backups).
// The real CLI runs as child processes against simulators this file starts, one per test (real
// time; see tests/support/realtime-sim.ts). Seeded: the simulator's ids and faults, and every delay
// chosen here. The daemons' snapshot cron has minute resolution (5 fields, seconds refused), so
// their test waits for two real minute boundaries, mostly idle, and the backup runs wait on 5 s
// polls: the three tests run at the same time.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { createPrng, type SimVolume } from '../../src/simulator/index.ts'
import { openStore } from '../../src/store/index.ts'
import { collectOutput, type OutputCollector } from '../support/backup-daemon.ts'
import { addProtectedServer } from '../support/backup-sim.ts'
import { countBackups, countOpenTasks, countSnapshotWindows, firstLines } from '../support/protection-counts.ts'
import { CAMPAIGN_ROUTES, cloudEnv, configArgs, holdUntil, removeScenario, sqliteUrl, startRealtimeSim } from '../support/realtime-sim.ts'
import { describeRun, runCli, spawnCli, tempDir, type CliResult, type SpawnedCli } from '../support/run-cli.ts'
import { addVolume } from '../support/sim-scenario.ts'

const REPETITIONS = 10
const SNAPSHOT_VOLUMES = 200
const BACKUP_SERVERS = 10 // two volumes each
const RUN_TIMEOUT_MS = 90_000
/** The quota read's latency fault: marks the read, whose answer the test then holds. */
const QUOTA_MARK_MS = 1000
/** The slow quota read is answered at most this many requests of the other run after it arrived (or at its exit). */
const QUOTA_HOLD_MAX_REQUESTS = 50

const DAEMON_TICKS = 2
const VOLUMES_PER_TICK = 200
const EVERY_MINUTE = '* * * * *'
const YEARLY = '0 0 1 1 *'
/** A minute boundary, the cycle, and a loaded CI machine. */
const TICK_TIMEOUT_MS = 150_000
const START_TIMEOUT_MS = 60_000
const STOP_TIMEOUT_MS = 30_000

/** Matches once the create-snapshots job has ended `n` times (finished, skipped or failed). */
const createJobEnded = (n: number): RegExp => new RegExp(`(?:"job":"create-snapshots"[^\\n]*"msg":"job (?:finished|failed)"[\\s\\S]*?){${n}}`)

const exitCodes = (results: readonly CliResult[]): string => {
  const counts = new Map<string, number>()
  for (const r of results) counts.set(String(r.code ?? r.signal), (counts.get(String(r.code ?? r.signal)) ?? 0) + 1)
  return [...counts].map(([c, n]) => `${n}× ${c}`).join(', ')
}
const completed = (r: CliResult) => r.code === 0 || r.code === 3

// All three at once: each has its own simulator, store and temp dir.
describe('campaign overlap', { concurrency: 3 }, () => {
  test('two daemons on the same cron sharing one store: no window holds two snapshots, tick after tick', { timeout: 420_000 }, async (t) => {
    const rt = await startRealtimeSim({ seed: 73 })
    const home = tempDir('swtest-C-overlap-daemons-')
    const daemons: { proc: SpawnedCli; out: OutputCollector }[] = []
    let windows = 0
    let duplicates = 0
    let uncovered = 0
    const perTick: string[] = []
    const details: string[] = []
    try {
      const env = cloudEnv(rt.sim, home.dir, { SNAPWARDEN_DB: sqliteUrl(home.dir) })
      const args = ['daemon', '--bind-address', '127.0.0.1:0', '--create-schedule', EVERY_MINUTE, '--expire-schedule', YEARLY, '--backups', '--grace-seconds', '5']
      const fresh = (tick: number): SimVolume[] => Array.from({ length: VOLUMES_PER_TICK }, (_, i) => addVolume(rt.sim, rt.adminProjectId, `daemons-${tick}-${i}`))
      let volumes = fresh(1)
      for (let i = 0; i < 2; i++) {
        const proc = spawnCli(args, { env, timeoutMs: 400_000 })
        daemons.push({ proc, out: collectOutput(proc.child) })
      }
      await Promise.all(daemons.map((d) => d.out.waitFor(/serving \/healthz \/readyz \/metrics on /, START_TIMEOUT_MS)))
      for (let tick = 1; tick <= DAEMON_TICKS; tick++) {
        await Promise.all(daemons.map((d) => d.out.waitFor(createJobEnded(tick), TICK_TIMEOUT_MS)))
        await rt.drained()
        const c = countSnapshotWindows(rt.sim, volumes)
        windows += c.windows
        duplicates += c.duplicates
        uncovered += c.uncovered
        perTick.push(`tick ${tick}: ${c.duplicates} of ${c.windows}`)
        details.push(...c.details.map((d) => `tick ${tick}: ${d}`))
        // Fresh windows for the next tick (the minute boundary is tens of seconds away).
        if (tick < DAEMON_TICKS) volumes = fresh(tick + 1)
      }
    } finally {
      for (const d of daemons) d.proc.child.kill('SIGTERM')
      await Promise.all(daemons.map((d) => d.out.exit(STOP_TIMEOUT_MS).catch(() => d.proc.child.kill('SIGKILL'))))
      await Promise.all(daemons.map((d) => d.proc.done))
      await rt.close()
      home.remove()
    }
    t.diagnostic(`campaign overlap (daemons): 2 daemons × ${DAEMON_TICKS} ticks on one SQLite store, ${windows} windows, ${duplicates} with two snapshots (${perTick.join('; ')}), ${uncovered} volumes without a snapshot`)
    assert.equal(duplicates, 0, `windows with two healthy snapshots:\n${firstLines(details)}`)
    assert.equal(uncovered, 0, `volumes left without a snapshot:\n${firstLines(details)}\n--- daemon output\n${daemons.map((d) => d.out.text().slice(-3000)).join('\n---\n')}`)
  })

  test('two `run`s started at the same moment, each repetition on fresh windows: no window holds two snapshots', { timeout: 600_000 }, async (t) => {
    const rt = await startRealtimeSim({ seed: 71 })
    const home = tempDir('swtest-C-overlap-')
    const results: CliResult[] = []
    let windows = 0
    let duplicates = 0
    let uncovered = 0
    let repsWithDuplicates = 0
    const details: string[] = []
    try {
      const env = cloudEnv(rt.sim, home.dir)
      for (let rep = 0; rep < REPETITIONS; rep++) {
        const volumes: SimVolume[] = Array.from({ length: SNAPSHOT_VOLUMES }, (_, i) => addVolume(rt.sim, rt.adminProjectId, `overlap-${rep}-${i}`))
        // Both processes' first request is held until the other's has arrived: they start together.
        rt.resetArrivals()
        rt.onArrival(holdUntil(2))
        const pair = await Promise.all([runCli(['run'], { env, timeoutMs: RUN_TIMEOUT_MS }), runCli(['run'], { env, timeoutMs: RUN_TIMEOUT_MS })])
        rt.onArrival(undefined)
        await rt.drained()
        results.push(...pair)
        for (const r of pair) assert.ok(completed(r), `repetition ${rep}: a run did not complete: ${describeRun(r)}`)
        const c = countSnapshotWindows(rt.sim, volumes)
        windows += c.windows
        duplicates += c.duplicates
        uncovered += c.uncovered
        if (c.duplicates > 0) repsWithDuplicates += 1
        details.push(...c.details.map((d) => `repetition ${rep}: ${d}`))
        removeScenario(rt.sim, volumes)
      }
    } finally {
      rt.onArrival(undefined)
      await rt.close()
      home.remove()
    }
    t.diagnostic(
      `campaign overlap (run): ${REPETITIONS} repetitions × ${SNAPSHOT_VOLUMES} volumes, ${windows} windows, ${duplicates} with two snapshots ` +
        `(in ${repsWithDuplicates} repetitions), ${uncovered} volumes without a snapshot; exit codes ${exitCodes(results)}`,
    )
    assert.equal(duplicates, 0, `windows with two healthy snapshots:\n${firstLines(details)}`)
    assert.equal(uncovered, 0, `volumes left without a snapshot:\n${firstLines(details)}`)
  })

  test('two `backup run`s on one store, one with a slow quota read: no volume is backed up twice, no task is left open', { timeout: 600_000 }, async (t) => {
    const rt = await startRealtimeSim({ seed: 72 })
    const home = tempDir('swtest-C-overlap-backup-')
    const prng = createPrng(7201)
    const storeUrl = sqliteUrl(home.dir)
    const results: CliResult[] = []
    const holds: number[] = []
    let volumesTotal = 0
    let doubles = 0
    let missing = 0
    let open = 0
    let repsWithDoubles = 0
    const details: string[] = []
    try {
      const env = cloudEnv(rt.sim, home.dir, { SNAPWARDEN_DB: storeUrl })
      // One backup is due per volume for an hour: any second backup in a repetition is a double.
      // Staffeln's mode: --all-projects over two projects; workers enough for every volume at once.
      const args = [...configArgs(home.dir, { conductor: { backup_min_interval: 3600, backup_workers: 2 * BACKUP_SERVERS } }), 'backup', 'run', '--all-projects']
      const store = openStore({ url: storeUrl })
      await store.migrate()
      await store.close()
      for (let rep = 0; rep < REPETITIONS; rep++) {
        const servers = Array.from({ length: BACKUP_SERVERS }, (_, i) => addProtectedServer(rt.sim, i % 2 ? rt.demoProjectId : rt.adminProjectId, `overlap-${rep}-${i}`, { volumes: 2 }))
        const volumes = servers.flatMap((s) => s.volumes)
        // The first quota read to arrive is slow: it is answered at the other run's k-th request after
        // it (seeded), or once either run has exited, so the other run may plan, back up and finish
        // its tasks meanwhile. The latency fault marks the read; the hook decides how long it takes.
        const k = 1 + prng.int(QUOTA_HOLD_MAX_REQUESTS)
        holds.push(k)
        const removeSlowQuota = rt.sim.faults.add({ route: CAMPAIGN_ROUTES.quota, action: { kind: 'latency', ms: QUOTA_MARK_MS }, times: 1 })
        let release: () => void = () => {}
        const answered = new Promise<void>((r) => (release = r))
        let heldAt: number | undefined
        const together = holdUntil(2)
        rt.resetArrivals()
        rt.onArrival((n, ms) => {
          if (n <= 2) return together(n, ms)
          if (heldAt !== undefined && n - heldAt >= k) release()
          if (ms < QUOTA_MARK_MS || heldAt !== undefined) return undefined
          heldAt = n
          return answered
        })
        const runs = [runCli(args, { env, timeoutMs: RUN_TIMEOUT_MS }), runCli(args, { env, timeoutMs: RUN_TIMEOUT_MS })]
        for (const r of runs) void r.finally(release)
        const pair = await Promise.all(runs)
        rt.onArrival(undefined)
        release()
        removeSlowQuota()
        await rt.drained()
        results.push(...pair)
        for (const r of pair) assert.ok(completed(r), `repetition ${rep}: a backup run did not complete: ${describeRun(r)}`)
        const c = countBackups(rt.sim, volumes)
        const reader = openStore({ url: storeUrl })
        const tasks = await countOpenTasks(reader, volumes).finally(() => reader.close())
        volumesTotal += volumes.length
        doubles += c.doubles
        missing += c.missing
        open += tasks.open
        if (c.doubles > 0) repsWithDoubles += 1
        details.push(...[...c.details, ...tasks.details].map((d) => `repetition ${rep} (quota read held for ${k} requests): ${d}`))
        removeScenario(rt.sim, volumes, servers.map((s) => s.server.id))
      }
    } finally {
      rt.onArrival(undefined)
      await rt.close()
      home.remove()
    }
    t.diagnostic(
      `campaign overlap (backup run): ${REPETITIONS} repetitions, ${volumesTotal} volumes, ${doubles} backed up twice (in ${repsWithDoubles} repetitions), ` +
        `${missing} without a backup, ${open} tasks left open; slow quota read answered after the other run's request ${holds.join('/')} or its exit; exit codes ${exitCodes(results)}`,
    )
    assert.equal(doubles, 0, `double backups:\n${firstLines(details)}`)
    assert.equal(open, 0, `tasks left open:\n${firstLines(details)}`)
    assert.equal(missing, 0, `volumes without a backup:\n${firstLines(details)}`)
  })
})
