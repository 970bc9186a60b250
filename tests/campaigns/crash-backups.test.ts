// Campaign "crash" (issue 7), backups: `backup run` and `daemon --backups` killed with SIGKILL in
// the middle of a backup cycle, then run again, must back every volume up exactly once and leave
// every task row in a final state. With --all-projects (Staffeln's normal mode) over two projects:
// the restarted run must look for a killed create's backup where it was made.
// The real CLI runs as child processes against a simulator this test starts (real time; see
// tests/support/realtime-sim.ts). The kill moment is seeded: after the j-th backup of the cycle
// exists, at the m-th request after it. The killed process's requests still inside the simulator
// are handled before the restart (a create either landed or not); its leases are then made to run
// out (see expireLeases), as they would while an operator restarts it.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { createPrng, type Prng, type SimVolume, type Simulator } from '../../src/simulator/index.ts'
import { openStore } from '../../src/store/index.ts'
import { addProtectedServer } from '../support/backup-sim.ts'
import { collectOutput } from '../support/backup-daemon.ts'
import { countBackups, countOpenTasks, firstLines } from '../support/protection-counts.ts'
import { CAMPAIGN_ROUTES, cloudEnv, configArgs, expireLeases, removeScenario, sqliteUrl, startRealtimeSim, type RealtimeSim } from '../support/realtime-sim.ts'
import { describeRun, runCli, spawnCli, tempDir, type SpawnedCli } from '../support/run-cli.ts'

const RUN_REPETITIONS = 10
const DAEMON_REPETITIONS = 3
const SERVERS = 5 // two volumes each
/** A share of backup creates is slow: the request is answered (and the backup made) this long after it arrived. */
const SLOW_CREATE = { rate: 0.3, ms: 1500 }
const RUN_TIMEOUT_MS = 90_000
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

describe('campaign crash', () => {
  test('`backup run` killed with SIGKILL mid-cycle, then re-run: no double backup, no lost task', { timeout: 600_000 }, async (t) => {
    const rt = await startRealtimeSim({ seed: 93, latencyMs: 5, faults: [{ route: CAMPAIGN_ROUTES.createBackup, action: { kind: 'latency', ms: SLOW_CREATE.ms }, rate: SLOW_CREATE.rate }] })
    const home = tempDir('swtest-C-crash-backup-')
    const prng = createPrng(9301)
    const storeUrl = sqliteUrl(home.dir)
    const tally = newTally()
    try {
      const env = cloudEnv(rt.sim, home.dir, { SNAPWARDEN_DB: storeUrl })
      const args = [...configArgs(home.dir, { conductor: CONDUCTOR }), 'backup', 'run', '--all-projects']
      for (let rep = 0; rep < RUN_REPETITIONS; rep++) {
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
    t.diagnostic(`campaign crash (backup run): ${RUN_REPETITIONS} runs, ${summary(tally)}`)
    assertTally(tally)
  })

  test('`daemon --backups` killed with SIGKILL mid-cycle, then restarted: no double backup, no lost task', { timeout: 600_000 }, async (t) => {
    const rt = await startRealtimeSim({ seed: 94, latencyMs: 5, faults: [{ route: CAMPAIGN_ROUTES.createBackup, action: { kind: 'latency', ms: SLOW_CREATE.ms }, rate: SLOW_CREATE.rate }] })
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
