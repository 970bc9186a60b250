// The daemon's cloud link against the real client and the simulator: a failed open is not kept,
// the background connect backs off on the injected sleep, a configuration error is fatal.
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { OpenStackCloud } from '../cloud/openstack-cloud.ts'
import { simulatorCloudConfig } from '../cli/demo-simulator.ts'
import type { Sleep } from '../domain/clock.ts'
import type { Cloud } from '../domain/ports.ts'
import { loadCloudConfig } from '../openstack/config/index.ts'
import { connect, type Connection } from '../openstack/connection.ts'
import { manualTime, startSimHarness, type SimHarness } from '../../tests/support/sim-cloud.ts'
import { tempDir } from '../../tests/support/run-cli.ts'
import { CloudLink } from './cloud-link.ts'

const TOKENS = 'POST /identity/v3/auth/tokens'

/** A sleep the test ends by hand; records the requested durations. */
function heldSleep() {
  const calls: { ms: number; fire: () => void }[] = []
  const sleep: Sleep = (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      calls.push({ ms, fire: resolve })
      signal?.addEventListener('abort', () => reject(signal.reason), { once: true })
    })
  return { sleep, calls }
}

/** Lets pending I/O and promise callbacks run until `cond` holds (bounded; no timers). */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000 && !cond(); i++) await new Promise((r) => setImmediate(r))
  assert.ok(cond(), `timed out waiting for ${what}`)
}

describe('CloudLink', () => {
  let h: SimHarness
  const conns: Connection[] = []
  let opens = 0
  const openSim = async (): Promise<Cloud> => {
    opens++
    const t = manualTime(h.clock)
    // One attempt per open: the client's own retry is tested with it (provider-client.test.ts).
    const conn = await connect(simulatorCloudConfig(h.sim, 'admin'), { clock: t.clock, retry: { maxAttempts: 1 } })
    conns.push(conn)
    return new OpenStackCloud(conn)
  }

  before(async () => {
    h = await startSimHarness()
  })
  after(async () => {
    for (const c of conns) await c.close()
    await h.close()
  })

  test('a failed open is not kept: the next open connects once Keystone answers again', async () => {
    opens = 0
    const t = manualTime(h.clock)
    const link = new CloudLink({ open: openSim, ...t, random: () => 0.5 })
    assert.equal(link.status(), undefined)
    const heal = h.sim.faults.errorRate(1, { route: TOKENS })
    await assert.rejects(link.open(), (e: unknown) => (e as { status?: number }).status === 500)
    assert.equal(link.status()?.ok, false)
    assert.match(link.status()?.error ?? '', /^OS_HTTP: .*500/)
    heal()
    const cloud = await link.open()
    assert.equal(link.status()?.ok, true)
    assert.equal(await link.open(), cloud, 'an open cloud is kept')
    assert.equal(opens, 2)
  })

  test('connect() tries again after growing pauses on the injected sleep until the cloud answers, then waits; abort ends it', async () => {
    opens = 0
    const { sleep, calls } = heldSleep()
    const link = new CloudLink({ open: openSim, clock: manualTime(h.clock).clock, sleep, random: () => 0.5, backoff: { baseMs: 1000, maxMs: 3000 } })
    const heal = h.sim.faults.errorRate(1, { route: TOKENS })
    const stop = new AbortController()
    let done = false
    const connecting = link.connect(stop.signal).then(() => void (done = true))
    // Pauses: half of base·2^(n-1), capped at maxMs, plus random (0.5) times the other half.
    for (const expected of [750, 1500, 2250, 2250, 2250]) {
      await until(() => calls.length === opens, 'the next pause')
      assert.equal(calls.at(-1)?.ms, expected)
      assert.equal(link.status()?.ok, false)
      if (calls.length === 5) heal()
      calls.at(-1)!.fire()
      await until(() => opens > calls.length, 'the next attempt')
    }
    await until(() => link.status()?.ok === true, 'the sixth attempt to connect')
    assert.equal(opens, 6)
    assert.ok(link.isOpen())
    assert.equal(done, false, 'it stays, to probe the cloud should a job find it down')
    stop.abort()
    await connecting
    assert.equal(done, true)
    assert.equal(calls.length, 5, 'no pause after the cloud answered')
  })

  test('after a job found the open cloud not answering, connect() probes it with pauses until it answers', async () => {
    const { sleep, calls } = heldSleep()
    const t = manualTime(h.clock)
    const link = new CloudLink({ open: openSim, clock: t.clock, sleep, random: () => 0.5, backoff: { baseMs: 1000, maxMs: 3000 } })
    const cloud = await link.open()
    const stop = new AbortController()
    const watching = link.connect(stop.signal)
    const QUOTA = 'GET /volume/v3/{project_id}/os-quota-sets/{target_project_id}'
    const before = h.sim.calls()[QUOTA] ?? 0
    const heal = h.sim.faults.errorRate(1, { status: 503, route: QUOTA })
    link.noteFailure(await failOnce(h, cloud))
    await until(() => calls.length === 1, 'the pause after the first probe')
    assert.equal(calls[0]?.ms, 750)
    assert.equal(link.status()?.ok, false)
    assert.match(link.status()?.error ?? '', /503/)
    heal()
    calls[0]!.fire()
    await until(() => link.status()?.ok === true, 'the second probe')
    assert.equal((h.sim.calls()[QUOTA] ?? 0) - before, 2, 'one cheap read per probe')
    stop.abort()
    await watching
  })

  test('connect() ends when the daemon stops while the cloud is still being opened (the abort came before the wait)', async () => {
    const t = manualTime(h.clock)
    let release: (() => void) | undefined
    const slowOpen = async (): Promise<Cloud> => {
      await new Promise<void>((r) => (release = r))
      return openSim()
    }
    const link = new CloudLink({ open: slowOpen, ...t, random: () => 0.5 })
    const stop = new AbortController()
    let ended = false
    const running = link.connect(stop.signal).then(() => (ended = true))
    await until(() => release !== undefined, 'the open to start')
    stop.abort() // SIGTERM while connecting
    release!()
    await until(() => ended, 'connect() to end after the abort')
    await running
    assert.equal(link.isOpen(), true)
  })

  test('a wrong clouds.yaml selection is fatal: onFatal is told, connect() stops trying', async () => {
    const home = tempDir('swtest-cloudlink-')
    try {
      const file = join(home.dir, 'clouds.yaml')
      writeFileSync(file, 'clouds:\n  right:\n    auth:\n      auth_url: http://127.0.0.1:9/v3\n')
      const fatal: unknown[] = []
      const { sleep, calls } = heldSleep()
      const link = new CloudLink({
        open: async () => {
          loadCloudConfig({ cloud: 'wrong', env: { OS_CLIENT_CONFIG_FILE: file }, cwd: home.dir, home: home.dir })
          throw new Error('unreachable: the config lookup throws first')
        },
        clock: manualTime(h.clock).clock,
        sleep,
        random: () => 0.5,
        onFatal: (err) => fatal.push(err),
      })
      await link.connect(new AbortController().signal)
      assert.equal(calls.length, 0, 'no pause: a configuration error is not retried')
      assert.equal(fatal.length, 1)
      assert.equal((fatal[0] as { code?: string }).code, 'OS_CONFIG')
      assert.match(String((fatal[0] as Error).message), /wrong/)
    } finally {
      home.remove()
    }
  })

  test('a job that failed because the cloud did not answer marks it unreachable; a completed run marks it reachable again', async () => {
    const t = manualTime(h.clock)
    const link = new CloudLink({ open: openSim, ...t, random: () => 0.5 })
    const cloud = await link.open()
    link.noteFailure(new Error('some store problem'))
    assert.equal(link.status()?.ok, true, "an error that is not the cloud's leaves the cloud reachable")
    link.noteFailure(Object.assign(new Error('retries exhausted'), { cause: await failOnce(h, cloud) }))
    assert.equal(link.status()?.ok, false)
    assert.match(link.status()?.error ?? '', /retries exhausted/)
    link.noteReachable()
    assert.equal(link.status()?.ok, true)
  })
})

/** A real transient error from the client: the volume listing answered 503 once. */
async function failOnce(h: SimHarness, cloud: Cloud): Promise<unknown> {
  h.sim.faults.errorRate(1, { status: 503, route: 'GET /volume/v3/{project_id}/volumes/detail', times: 1 })
  try {
    for await (const v of cloud.listVolumes({ allProjects: false, projectId: h.sim.seeded!.adminProjectId })) void v
  } catch (err) {
    return err
  }
  throw new Error('the listing did not fail')
}
