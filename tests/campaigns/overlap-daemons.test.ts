// Campaign "overlap" (issue 7), daemons: two `daemon`s on the same cron that share a store (one
// SQLite file; the store is what lets them coordinate, so both run with --backups) must take one
// snapshot per window between them, tick after tick.
// The daemons are child processes on real time against a simulator this test starts; the snapshot
// jobs' cron has minute resolution (5 fields, seconds refused), so the campaign waits for two real
// minute boundaries: about two minutes, most of it idle.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { SimVolume } from '../../src/simulator/index.ts'
import { collectOutput, type OutputCollector } from '../support/backup-daemon.ts'
import { countSnapshotWindows, firstLines } from '../support/protection-counts.ts'
import { cloudEnv, sqliteUrl, startRealtimeSim } from '../support/realtime-sim.ts'
import { spawnCli, tempDir, type SpawnedCli } from '../support/run-cli.ts'
import { addVolume } from '../support/sim-scenario.ts'

const TICKS = 2
const VOLUMES_PER_TICK = 200
const EVERY_MINUTE = '* * * * *'
const YEARLY = '0 0 1 1 *'
/** A minute boundary, the cycle, and a loaded CI machine. */
const TICK_TIMEOUT_MS = 150_000
const START_TIMEOUT_MS = 60_000
const STOP_TIMEOUT_MS = 30_000

/** Matches once the create-snapshots job has ended `n` times (finished, skipped or failed). */
const createJobEnded = (n: number): RegExp => new RegExp(`(?:"job":"create-snapshots"[^\\n]*"msg":"job (?:finished|failed)"[\\s\\S]*?){${n}}`)

describe('campaign overlap', () => {
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
      for (let tick = 1; tick <= TICKS; tick++) {
        await Promise.all(daemons.map((d) => d.out.waitFor(createJobEnded(tick), TICK_TIMEOUT_MS)))
        await rt.drained()
        const c = countSnapshotWindows(rt.sim, volumes)
        windows += c.windows
        duplicates += c.duplicates
        uncovered += c.uncovered
        perTick.push(`tick ${tick}: ${c.duplicates} of ${c.windows}`)
        details.push(...c.details.map((d) => `tick ${tick}: ${d}`))
        // Fresh windows for the next tick (the minute boundary is tens of seconds away).
        if (tick < TICKS) volumes = fresh(tick + 1)
      }
    } finally {
      for (const d of daemons) d.proc.child.kill('SIGTERM')
      await Promise.all(daemons.map((d) => d.out.exit(STOP_TIMEOUT_MS).catch(() => d.proc.child.kill('SIGKILL'))))
      await Promise.all(daemons.map((d) => d.proc.done))
      await rt.close()
      home.remove()
    }
    t.diagnostic(`campaign overlap (daemons): 2 daemons × ${TICKS} ticks on one SQLite store, ${windows} windows, ${duplicates} with two snapshots (${perTick.join('; ')}), ${uncovered} volumes without a snapshot`)
    assert.equal(duplicates, 0, `windows with two healthy snapshots:\n${firstLines(details)}`)
    assert.equal(uncovered, 0, `volumes left without a snapshot:\n${firstLines(details)}\n--- daemon output\n${daemons.map((d) => d.out.text().slice(-3000)).join('\n---\n')}`)
  })
})
