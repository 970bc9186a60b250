// Campaign "crash" (issue 7), snapshots: `run` killed with SIGKILL at a seeded moment while the
// cloud is slow, then re-run, must leave exactly one healthy snapshot per window and nothing stuck.
// The real CLI runs as child processes against a simulator this test starts (real time; see
// tests/support/realtime-sim.ts). The kill moment is "the k-th request the simulator receives",
// k drawn from a seeded PRNG over the requests of a complete run, so no timer decides it.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { createPrng, type SimVolume } from '../../src/simulator/index.ts'
import { countSnapshotWindows, firstLines } from '../support/protection-counts.ts'
import { CAMPAIGN_ROUTES, cloudEnv, latencyWait, removeScenario, startRealtimeSim } from '../support/realtime-sim.ts'
import { describeRun, runCli, spawnCli, tempDir, type CliResult } from '../support/run-cli.ts'
import { addVolume } from '../support/sim-scenario.ts'

const REPETITIONS = 20
const VOLUMES = 10
/** A share of creates is slow: the request is answered (and the snapshot made) this long after it arrived. */
const SLOW_CREATE = { rate: 0.3, ms: 2500 }
const RUN_TIMEOUT_MS = 90_000

describe('campaign crash', () => {
  test('`run` killed with SIGKILL at a seeded moment while creates are slow, then re-run: one healthy snapshot per window, none stuck', { timeout: 900_000 }, async (t) => {
    const rt = await startRealtimeSim({
      seed: 91,
      latencyMs: 5,
      faults: [{ route: CAMPAIGN_ROUTES.createSnapshot, action: { kind: 'latency', ms: SLOW_CREATE.ms }, rate: SLOW_CREATE.rate }],
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
      const calibration = Array.from({ length: VOLUMES }, (_, i) => addVolume(rt.sim, rt.adminProjectId, `crash-cal-${i}`))
      rt.resetArrivals()
      const full = await runCli(['run'], { env, timeoutMs: RUN_TIMEOUT_MS })
      assert.equal(full.code, 0, describeRun(full))
      await rt.drained()
      const requestsPerRun = rt.arrivals
      removeScenario(rt.sim, calibration)

      for (let rep = 0; rep < REPETITIONS; rep++) {
        const volumes: SimVolume[] = Array.from({ length: VOLUMES }, (_, i) => addVolume(rt.sim, rt.adminProjectId, `crash-${rep}-${i}`))
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
          if (ms < SLOW_CREATE.ms) return undefined
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
        `campaign crash (run): ${REPETITIONS} runs killed at seeded requests (${killAt.join(',')} of ~${requestsPerRun}), ${killedMidRun} mid-run; ` +
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
})
