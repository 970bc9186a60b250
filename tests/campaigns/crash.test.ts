// Campaign "crash" (issue 7): processes killed with SIGKILL at a seeded moment while the cloud is
// slow, then run again, must leave exactly one healthy snapshot per window and nothing stuck
// (`run`), and back every volume up exactly once with every task row in a final state (`backup
// run`, `daemon --backups`; with --all-projects over two projects, Staffeln's mode, so a restarted
// run must look for a killed create's backup where it was made).
// The real CLI runs as child processes against simulators this file starts, one per test (real
// time; see tests/support/realtime-sim.ts). No timer decides a kill: for `run` it is the k-th
// request the simulator receives (k seeded over the requests of a complete run); for backups, the
// m-th request after the j-th backup of the cycle exists (j, m seeded). A backup run's restart comes
// after the killed process's requests were handled (a create either landed or not), with its
// leases made to run out (see expireLeases), as they would while an operator restarts it.
// The tests run two at a time: the backup ones wait for Cinder-like polls (5 s) most of the time.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { createPrng, type Prng, type SimVolume, type Simulator } from '../../src/simulator/index.ts'
import { openStore } from '../../src/store/index.ts'
import { collectOutput } from '../support/backup-daemon.ts'
import { addProtectedServer } from '../support/backup-sim.ts'
import { countBackups, countOpenTasks, countSnapshotWindows, firstLines } from '../support/protection-counts.ts'
import { CAMPAIGN_ROUTES, cloudEnv, configArgs, expireLeases, latencyWait, removeScenario, sqliteUrl, startRealtimeSim, type RealtimeSim } from '../support/realtime-sim.ts'
import { describeRun, runCli, spawnCli, tempDir, type CliResult, type SpawnedCli } from '../support/run-cli.ts'
import { addVolume } from '../support/sim-scenario.ts'

const RUN_TIMEOUT_MS = 90_000

const SNAPSHOT_REPETITIONS = 20
const SNAPSHOT_VOLUMES = 10
/** A share of snapshot creates is slow: the request is answered (and the snapshot made) this long after it arrived. */
const SLOW_SNAPSHOT_CREATE = { rate: 0.3, ms: 2500 }

const BACKUP_RUN_REPETITIONS = 10
const DAEMON_REPETITIONS = 3
const SERVERS = 5 // two volumes each
/** A share of backup creates is slow, likewise. */
const SLOW_BACKUP_CREATE = { rate: 0.3, ms: 1500 }
const YEARLY = '0 0 1 1 *'
/** One backup is due per volume for an hour: a second one in a repetition is a double. Workers enough for every volume at once. */
const CONDUCTOR = { backup_min_interval: 3600, backup_workers: 2 * SERVERS, backup_service_period: 3600, retention_service_period: 3600 }

interface Tally {
  volumes: number
  doubles: number
  missing: number
  open: number
  killedMidCycle: number
  readonly killAt: string[]
  readonly details: string[]
}

const newTally = (): Tally => ({ volumes: 0, doubles: 0, missing: 0, open: 0, killedMidCycle: 0, killAt: [], details: [] })

function scenario(rt: RealtimeSim, name: string): { volumes: SimVolume[]; serverIds: string[] } {
  // Every other server in the member project: with --all-projects its backups are made there.
  const servers = Array.from({ length: SERVERS }, (_, i) => addProtectedServer(rt.sim, i % 2 ? rt.demoProjectId : rt.adminProjectId, `${name}-${i}`, { volumes: 2 }))
  return { volumes: servers.flatMap((s) => s.volumes), serverIds: servers.map((s) => s.server.id) }
}

/** Kills `victim` at the m-th request after the j-th backup of `volumes` exists (j, m seeded). */
function killMidCycle(rt: RealtimeSim, prng: Prng, volumes: readonly SimVolume[], victim: () => SpawnedCli | undefined): string {
  const ids = new Set(volumes.map((v) => v.id))
  const backupsMade = (sim: Simulator) => sim.state.backups.list().filter((b) => ids.has(b.volumeId)).length
  const j = 1 + prng.int(volumes.length)
  const m = prng.int(4)
  let target: number | undefined
  let sent = false
  rt.resetArrivals()
  rt.onArrival((n) => {
    if (target === undefined && backupsMade(rt.sim) >= j) target = n + m
    if (!sent && target !== undefined && n >= target) {
      sent = true
      victim()?.child.kill('SIGKILL')
    }
    return undefined
  })
  return `${j}+${m}`
}

async function tallyRepetition(tally: Tally, rt: RealtimeSim, storeUrl: string, volumes: readonly SimVolume[], label: string): Promise<void> {
  const c = countBackups(rt.sim, volumes)
  const reader = openStore({ url: storeUrl })
  const tasks = await countOpenTasks(reader, volumes).finally(() => reader.close())
  tally.volumes += volumes.length
  tally.doubles += c.doubles
  tally.missing += c.missing
  tally.open += tasks.open
  tally.details.push(...[...c.details, ...tasks.details].map((d) => `${label}: ${d}`))
}

function assertTally(tally: Tally): void {
  assert.equal(tally.doubles, 0, `double backups:\n${firstLines(tally.details)}`)
  assert.equal(tally.open, 0, `tasks never finished (lost):\n${firstLines(tally.details)}`)
  assert.equal(tally.missing, 0, `volumes without a backup:\n${firstLines(tally.details)}`)
}

const summary = (t: Tally): string =>
  `${t.killedMidCycle} killed mid-cycle (after backup j + m requests: ${t.killAt.join(',')}); ${t.volumes} volumes, ${t.doubles} backed up twice, ${t.missing} without a backup, ${t.open} tasks lost`

// Two at a time: the `backup run` test beside the `run` test, then the daemon's.
describe('campaign crash', { concurrency: 2 }, () => {
  test('`backup run` killed with SIGKILL mid-cycle, then re-run: no double backup, no lost task', { timeout: 600_000 }, async (t) => {
    const rt = await startRealtimeSim({ seed: 93, latencyMs: 5, faults: [{ route: CAMPAIGN_ROUTES.createBackup, action: { kind: 'latency', ms: SLOW_BACKUP_CREATE.ms }, rate: SLOW_BACKUP_CREATE.rate }] })
    const home = tempDir('swtest-C-crash-backup-')
    const prng = createPrng(9301)
    const storeUrl = sqliteUrl(home.dir)
    const tally = newTally()
    try {
      const env = cloudEnv(rt.sim, home.dir, { SNAPWARDEN_DB: storeUrl })
      const args = [...configArgs(home.dir, { conductor: CONDUCTOR }), 'backup', 'run', '--all-projects']
      for (let rep = 0; rep < BACKUP_RUN_REPETITIONS; rep++) {
        const { volumes, serverIds } = scenario(rt, `crash-${rep}`)
        let victim: SpawnedCli | undefined
        tally.killAt.push(killMidCycle(rt, prng, volumes, () => victim))
        victim = spawnCli(args, { env, timeoutMs: RUN_TIMEOUT_MS })
        const killed = await victim.done
        rt.onArrival(undefined)
        if (killed.signal === 'SIGKILL') tally.killedMidCycle += 1
        else assert.ok(killed.code === 0, `repetition ${rep}: the run to be killed failed on its own: ${describeRun(killed)}`)
        await rt.handled()
        expireLeases(storeUrl)
        const again = await runCli(args, { env, timeoutMs: RUN_TIMEOUT_MS })
        assert.equal(again.code, 0, `repetition ${rep}: the re-run: ${describeRun(again)}`)
        await rt.drained()
        await tallyRepetition(tally, rt, storeUrl, volumes, `repetition ${rep}`)
        removeScenario(rt.sim, volumes, serverIds)
      }
    } finally {
      rt.onArrival(undefined)
      await rt.close()
      home.remove()
    }
    t.diagnostic(`campaign crash (backup run): ${BACKUP_RUN_REPETITIONS} runs, ${summary(tally)}`)
    assertTally(tally)
  })

  test('`run` killed with SIGKILL at a seeded moment while creates are slow, then re-run: one healthy snapshot per window, none stuck', { timeout: 900_000 }, async (t) => {
    const rt = await startRealtimeSim({
      seed: 91,
      latencyMs: 5,
      faults: [{ route: CAMPAIGN_ROUTES.createSnapshot, action: { kind: 'latency', ms: SLOW_SNAPSHOT_CREATE.ms }, rate: SLOW_SNAPSHOT_CREATE.rate }],
    })
    const home = tempDir('swtest-C-crash-')
    const prng = createPrng(9101)
    const env = cloudEnv(rt.sim, home.dir)
    let windows = 0
    let duplicates = 0
    let uncovered = 0
    let stuck = 0
    let killedMidRun = 0
    let secondReruns = 0
    let orphans = 0
    let judgesNotOk = 0
    const killAt: number[] = []
    const details: string[] = []
    try {
      // How many requests a complete run of this size sends: the range the kill moment is drawn from.
      const calibration = Array.from({ length: SNAPSHOT_VOLUMES }, (_, i) => addVolume(rt.sim, rt.adminProjectId, `crash-cal-${i}`))
      rt.resetArrivals()
      const full = await runCli(['run'], { env, timeoutMs: RUN_TIMEOUT_MS })
      assert.equal(full.code, 0, describeRun(full))
      await rt.drained()
      const requestsPerRun = rt.arrivals
      removeScenario(rt.sim, calibration)

      for (let rep = 0; rep < SNAPSHOT_REPETITIONS; rep++) {
        const volumes: SimVolume[] = Array.from({ length: SNAPSHOT_VOLUMES }, (_, i) => addVolume(rt.sim, rt.adminProjectId, `crash-${rep}-${i}`))
        const k = 1 + prng.int(requestsPerRun)
        const j = 1 + prng.int(requestsPerRun)
        killAt.push(k)
        // Slow creates of the killed run that are still waiting when it dies are held, and land at the
        // restarted run's j-th request: before its listing, between its own create and its check, or after.
        let killed = false
        let signalKilled: () => void = () => {}
        const killedNow = new Promise<void>((r) => (signalKilled = r))
        let openGate: () => void = () => {}
        const gate = new Promise<void>((r) => (openGate = r))
        let heldOrphans = 0
        rt.resetArrivals()
        const victim = spawnCli(['run'], { env, timeoutMs: RUN_TIMEOUT_MS })
        rt.onArrival((n, ms) => {
          if (n === k) {
            victim.child.kill('SIGKILL')
            killed = true
            signalKilled()
          }
          if (ms < SLOW_SNAPSHOT_CREATE.ms) return undefined
          return Promise.race([latencyWait(ms), killedNow]).then(() => {
            if (!killed) return undefined
            heldOrphans += 1
            return gate
          })
        })
        const killedRun = await victim.done
        if (killedRun.signal === 'SIGKILL') killedMidRun += 1
        else assert.ok(killedRun.code === 0 || killedRun.code === 3, `repetition ${rep}: the run to be killed failed on its own: ${describeRun(killedRun)}`)

        // Restarted at once, as a cron or systemd would.
        rt.resetArrivals()
        rt.onArrival((n) => {
          if (n === j) openGate()
          return undefined
        })
        let judge: CliResult = await runCli(['run'], { env, timeoutMs: RUN_TIMEOUT_MS })
        rt.onArrival(undefined)
        openGate()
        if (heldOrphans > 0) {
          // A create of the killed run may have landed after the re-run last looked: only a run that
          // starts after every request of the killed run was handled can be held to the result.
          orphans += heldOrphans
          await rt.handled()
          secondReruns += 1
          judge = await runCli(['run'], { env, timeoutMs: RUN_TIMEOUT_MS })
        }
        await rt.drained()
        if (judge.code !== 0) {
          judgesNotOk += 1
          details.push(`repetition ${rep}: the re-run exited ${judge.code}: ${judge.stderr.split('\n').slice(-5).join(' | ')}`)
        }
        const c = countSnapshotWindows(rt.sim, volumes)
        windows += c.windows
        duplicates += c.duplicates
        uncovered += c.uncovered
        stuck += c.stuck
        details.push(...c.details.map((d) => `repetition ${rep} (killed at request ${k}): ${d}`))
        removeScenario(rt.sim, volumes)
      }
      t.diagnostic(
        `campaign crash (run): ${SNAPSHOT_REPETITIONS} runs killed at seeded requests (${killAt.join(',')} of ~${requestsPerRun}), ${killedMidRun} mid-run; ` +
          `${orphans} creates of killed runs landed during the re-run, ${secondReruns} repetitions needed a second re-run; ${windows} windows, ${duplicates} with two snapshots, ` +
          `${uncovered} volumes without a snapshot, ${stuck} snapshots stuck, ${judgesNotOk} re-runs not exiting 0`,
      )
    } finally {
      rt.onArrival(undefined)
      await rt.close()
      home.remove()
    }
    assert.equal(duplicates, 0, `windows with two healthy snapshots:\n${firstLines(details)}`)
    assert.equal(stuck, 0, `snapshots left stuck:\n${firstLines(details)}`)
    assert.equal(uncovered, 0, `volumes left without a snapshot:\n${firstLines(details)}`)
    assert.equal(judgesNotOk, 0, `re-runs that did not exit 0:\n${firstLines(details)}`)
  })

  test('`daemon --backups` killed with SIGKILL mid-cycle, then restarted: no double backup, no lost task', { timeout: 600_000 }, async (t) => {
    const rt = await startRealtimeSim({ seed: 94, latencyMs: 5, faults: [{ route: CAMPAIGN_ROUTES.createBackup, action: { kind: 'latency', ms: SLOW_BACKUP_CREATE.ms }, rate: SLOW_BACKUP_CREATE.rate }] })
    const home = tempDir('swtest-C-crash-daemon-')
    const prng = createPrng(9401)
    const storeUrl = sqliteUrl(home.dir)
    const tally = newTally()
    try {
      const env = cloudEnv(rt.sim, home.dir, { SNAPWARDEN_DB: storeUrl })
      // Snapshot jobs once a year; the backup and retention jobs run right after start.
      const args = [...configArgs(home.dir, { conductor: CONDUCTOR }), 'daemon', '--all-projects', '--bind-address', '127.0.0.1:0', '--create-schedule', YEARLY, '--expire-schedule', YEARLY, '--backups', '--grace-seconds', '5']
      const backupJobEnded = /"job":"backup"[^\n]*"msg":"job (?:finished|failed)"/
      for (let rep = 0; rep < DAEMON_REPETITIONS; rep++) {
        const { volumes, serverIds } = scenario(rt, `crash-daemon-${rep}`)
        let victim: SpawnedCli | undefined
        tally.killAt.push(killMidCycle(rt, prng, volumes, () => victim))
        victim = spawnCli(args, { env, timeoutMs: RUN_TIMEOUT_MS })
        const victimOut = collectOutput(victim.child)
        // Bounded: should its cycle end before the seeded moment came, it is killed right after.
        const daemon = victim
        victimOut.waitFor(backupJobEnded, RUN_TIMEOUT_MS).then(
          () => daemon.child.kill('SIGKILL'),
          () => {},
        )
        const killed = await victim.done
        rt.onArrival(undefined)
        assert.equal(killed.signal, 'SIGKILL', `repetition ${rep}: the daemon to be killed exited on its own (${killed.code}):\n${victimOut.text()}`)
        if (!backupJobEnded.test(victimOut.text())) tally.killedMidCycle += 1
        await rt.handled()
        expireLeases(storeUrl)
        const restarted = spawnCli(args, { env, timeoutMs: RUN_TIMEOUT_MS })
        const out = collectOutput(restarted.child)
        try {
          await out.waitFor(backupJobEnded, RUN_TIMEOUT_MS)
        } finally {
          restarted.child.kill('SIGTERM')
          await restarted.done
        }
        assert.match(out.text(), /"job":"backup","outcome":"succeeded"/, `repetition ${rep}: the restarted daemon's backup job:\n${out.text().slice(-4000)}`)
        await rt.drained()
        // The daemon leaves the backups it sent in flight; the next cycle's listing settles them. That
        // next cycle is run here as `backup run` (the same cycle: it settles, then plans nothing new).
        const next = await runCli([...configArgs(home.dir, { conductor: CONDUCTOR }), 'backup', 'run', '--all-projects'], { env, timeoutMs: RUN_TIMEOUT_MS })
        assert.equal(next.code, 0, `repetition ${rep}: the next cycle: ${describeRun(next)}`)
        await tallyRepetition(tally, rt, storeUrl, volumes, `repetition ${rep}`)
        removeScenario(rt.sim, volumes, serverIds)
      }
    } finally {
      rt.onArrival(undefined)
      await rt.close()
      home.remove()
    }
    t.diagnostic(`campaign crash (daemon --backups): ${DAEMON_REPETITIONS} daemons, ${summary(tally)}`)
    assertTally(tally)
  })
})
