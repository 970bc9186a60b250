// The daemon's snapshot jobs on two "daemons" (two job instances, two store connections on one
// SQLite file) against the in-process simulator: with a shared store only one runs each tick.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { snapshotJob, type SnapshotJobOptions } from '../../src/daemon/snapshot-jobs.ts'
import type { DaemonPorts } from '../../src/daemon/daemon-ports.ts'
import type { Job } from '../../src/daemon/job-scheduler.ts'
import { silentLogger } from '../../src/domain/logger.ts'
import { noopMetrics } from '../../src/domain/metrics.ts'
import type { Store } from '../../src/domain/store-port.ts'
import { startBackupHarness, type BackupHarness } from '../support/backup-sim.ts'
import { callsOf, connectAs, liveSnapshotsOf, manualTime, ROUTES, testConfig } from '../support/sim-cloud.ts'
import { addVolume, barrier } from '../support/sim-scenario.ts'

const CRON = '*/10 * * * *'
const MINUTE = 60_000

async function withHarness(fn: (b: BackupHarness) => Promise<void>, opts: Parameters<typeof startBackupHarness>[0] = {}): Promise<void> {
  const b = await startBackupHarness(opts)
  try {
    await fn(b)
  } finally {
    await b.close()
  }
}

async function daemonJob(b: BackupHarness, owner: string, store: Store | undefined): Promise<Job> {
  const client = await connectAs(b.h, 'admin')
  const ports: DaemonPorts = {
    ...manualTime(b.h.clock),
    random: () => 0.5,
    logger: silentLogger,
    metrics: noopMetrics,
    config: testConfig(),
    openCloud: async () => client.cloud,
    notify: async () => {},
  }
  const o: SnapshotJobOptions = { name: 'create-snapshots', mode: 'create', cron: CRON, timezone: 'UTC', source: '--create-schedule', allProjects: false, owner }
  return snapshotJob(ports, store ? { ...o, store } : o)
}

const signal = new AbortController().signal

describe('snapshot jobs of daemons that share a store', () => {
  test('two daemons on the same cron: one runs the cycle, the other skips it; without a store both run', async () => {
    for (const shared of [true, false]) {
      // Both runs are held at their creates until both arrived, so without a lease both create.
      const gate = barrier(2)
      await withHarness(
        async (b) => {
          const vol = addVolume(b.sim, b.projectId, `lease-${shared}`)
          b.sim.faults.latency(1, { route: ROUTES.createSnapshot })
          const second = await b.openSecondStore()
          const [a, c] = [await daemonJob(b, 'daemon-a', shared ? b.store : undefined), await daemonJob(b, 'daemon-b', shared ? second : undefined)]
          const runs = [a.run(signal), c.run(signal)]
          if (shared) gate.arrive().catch(() => {}) // only one create comes: let it through
          const outcomes = (await Promise.all(runs)).sort()

          if (shared) {
            assert.deepEqual(outcomes, ['skipped', 'succeeded'])
            assert.equal(callsOf(b.sim, ROUTES.createSnapshot), 1)
          } else {
            assert.deepEqual(outcomes, ['succeeded', 'succeeded'])
            assert.equal(callsOf(b.sim, ROUTES.createSnapshot), 2, 'without a lease both daemons create')
          }
          assert.equal(liveSnapshotsOf(b.sim, vol.id).length, 1)
        },
        { sleep: () => gate.arrive() },
      )
    }
  })

  test('the holder keeps the job at every tick; another daemon takes over two intervals after the holder stopped, or at once after a clean stop', () =>
    withHarness(async (b) => {
      addVolume(b.sim, b.projectId, 'lease-ticks')
      const second = await b.openSecondStore()
      const a = await daemonJob(b, 'daemon-a', b.store)
      const c = await daemonJob(b, 'daemon-b', second)

      assert.equal(await a.run(signal), 'succeeded')
      b.h.clock.advance(10 * MINUTE) // next tick: the holder renews, the other skips
      assert.equal(await c.run(signal), 'skipped')
      assert.equal(await a.run(signal), 'succeeded')
      b.h.clock.advance(10 * MINUTE) // daemon-a is gone from here on
      assert.equal(await c.run(signal), 'skipped', "within two intervals of its last run the lease is still daemon-a's")
      b.h.clock.advance(10 * MINUTE + 1000)
      assert.equal(await c.run(signal), 'succeeded', "two intervals after daemon-a's last run daemon-b takes over")

      await c.release?.()
      assert.equal(await a.run(signal), 'succeeded', 'a clean stop released the lease at once')
    }))
})
