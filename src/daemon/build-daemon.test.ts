// The daemon as cli/ builds it, in-process: real client, simulator, SQLite store, manual time.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { PromMetrics } from '../api/prom-metrics.ts'
import { OpenStackCloud } from '../cloud/openstack-cloud.ts'
import { simulatorCloudConfig } from '../cli/demo-simulator.ts'
import { silentLogger } from '../domain/logger.ts'
import type { Cloud } from '../domain/ports.ts'
import type { Store } from '../domain/store-port.ts'
import { connect, type Connection } from '../openstack/connection.ts'
import { openStore } from '../store/index.ts'
import { manualTime, startSimHarness, testConfig, type SimHarness } from '../../tests/support/sim-cloud.ts'
import { addVolume, DAILY, projectIds } from '../../tests/support/sim-scenario.ts'
import { buildDaemon, type Daemon, type DaemonOptions } from './build-daemon.ts'

const TOKENS = 'POST /identity/v3/auth/tokens'
const SCHEDULES = { create: { cron: '*/10 * * * *', source: '--create-schedule' }, expire: { cron: '*/30 * * * *', source: '--expire-schedule' } }

describe('buildDaemon', () => {
  let h: SimHarness
  const conns: Connection[] = []
  const stores: Store[] = []

  before(async () => {
    h = await startSimHarness()
  })
  after(async () => {
    for (const c of conns) await c.close()
    for (const s of stores) await s.close()
    await h.close()
  })

  function daemon(opts: Partial<DaemonOptions> = {}): { daemon: Daemon; metrics: PromMetrics } {
    const t = manualTime(h.clock)
    const metrics = new PromMetrics({ defaultMetrics: false, strict: true })
    const openCloud = async (): Promise<Cloud> => {
      const conn = await connect(simulatorCloudConfig(h.sim, 'admin'), { clock: t.clock, retry: { sleep: t.sleep, random: () => 0.5 } })
      conns.push(conn)
      return new OpenStackCloud(conn)
    }
    const ports = { ...t, random: () => 0.5, logger: silentLogger, metrics, config: testConfig(), openCloud, notify: async () => {} }
    return { daemon: buildDaemon(ports, { ...SCHEDULES, timezone: 'UTC', allProjects: false, ...opts }), metrics }
  }

  const liveSnapshots = (volumeId: string) => {
    h.sim.state.settle()
    return h.sim.state.snapshots.list().filter((s) => s.volumeId === volumeId && s.status !== 'deleting')
  }

  test('while Keystone answers 500 the daemon is not ready and says why; once it answers, the next run reconnects and snapshots, and the daemon is ready', async () => {
    const vol = addVolume(h.sim, projectIds(h.sim).admin, 'daemon-outage', { ...DAILY })
    const { daemon: d } = daemon()
    assert.deepEqual((await d.ready()).reasons, ['the cloud has not been reached yet (the first connection attempt is still running)'])
    const heal = h.sim.faults.errorRate(1, { route: TOKENS })
    assert.deepEqual(await d.scheduler.trigger('create-snapshots'), { started: true, outcome: 'failed' })
    const down = await d.ready()
    assert.equal(down.ready, false)
    assert.match(down.reasons[0] ?? '', /^the cloud was unreachable at the last attempt \(.*\): OS_HTTP: POST .*auth\/tokens: HTTP 500/)
    assert.match(down.reasons[1] ?? '', /^job create-snapshots could not complete its last run \(OS_HTTP: /)
    assert.equal(liveSnapshots(vol.id).length, 0)
    heal()
    assert.deepEqual(await d.scheduler.trigger('create-snapshots'), { started: true, outcome: 'succeeded' })
    assert.equal(liveSnapshots(vol.id).length, 1)
    const up = await d.ready()
    assert.deepEqual(up.reasons, [])
    assert.equal(up.ready, true)
  })

  test('invalid metadata on one volume: after three runs the daemon is ready, the last-completion gauge is set and the problem gauge counts it by kind', async () => {
    const { admin } = projectIds(h.sim)
    const good = addVolume(h.sim, admin, 'daemon-good', { ...DAILY })
    addVolume(h.sim, admin, 'daemon-bad', { ...DAILY, 'x-snapsentry-daily-start-time': '25:00' })
    const { daemon: d, metrics } = daemon()
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(await d.scheduler.trigger('create-snapshots'), { started: true, outcome: 'completed_with_failures' })
    }
    const r = await d.ready()
    assert.deepEqual(r.reasons, [])
    assert.equal(r.ready, true)
    assert.equal(liveSnapshots(good.id).length, 1, 'the valid volume is protected')
    const text = await metrics.render()
    const completion = /^snapwarden_job_last_completion_timestamp_seconds\{job="create-snapshots"\} (\d+(\.\d+)?)$/m.exec(text)
    assert.ok(completion, text)
    assert.equal(Number(completion[1]) * 1000, h.clock.now())
    assert.match(text, /^snapwarden_job_problems\{job="create-snapshots",kind="parse-policy"\} 1$/m)
    assert.match(text, /^snapwarden_job_runs_total\{job="create-snapshots",outcome="completed_with_failures"\} 3$/m)
    assert.doesNotMatch(text, /snapwarden_job_last_success_timestamp_seconds\{job="create-snapshots"\}/)
  })

  test('with a store: a store that fails makes the daemon not ready; a clean stop releases the backup planner lease', async () => {
    const store = openStore({ url: 'sqlite::memory:' })
    await store.migrate()
    // No time limit: the manual sleep would end any limit at once.
    const { daemon: d } = daemon({ store, storeCheckTimeoutMs: 0, expire: { cron: '0 0 1 1 *', source: '--expire-schedule' } })
    assert.deepEqual(d.jobNames, ['create-snapshots', 'expire-snapshots', 'backup', 'retention'])
    assert.deepEqual(await d.scheduler.trigger('backup'), { started: true, outcome: 'succeeded' })
    assert.deepEqual((await d.ready()).reasons, [])
    const now = new Date(h.clock.now())
    assert.equal(await store.acquireLease('backup-planner', 'another-daemon', now, 60_000), false, 'this daemon holds the planner lease')
    await d.scheduler.stop({ graceMs: 1000 })
    assert.equal(await store.acquireLease('backup-planner', 'another-daemon', now, 60_000), true, 'released on stop')
    await store.close()
    const r = await d.ready()
    assert.equal(r.ready, false)
    assert.match(r.reasons.join('\n'), /^the store is not usable \(.*\): /m)
  })
})
