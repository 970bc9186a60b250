// The real CLI as a child process: against its built-in simulator (no cloud configured), or against
// a simulator this test starts, reached through a generated clouds.yaml in a temp dir.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { COMMANDS } from '../../src/cli/commands/index.ts'
import { VERSION } from '../../src/cli/version.ts'
import { SCHEDULE_KINDS } from '../../src/domain/policy.ts'
import { METADATA_KEYS } from '../../src/planner/metadata-keys.ts'
import { subscribeMetadata } from '../../src/planner/subscribe-metadata.ts'
import { startSimulator, type SimVolume, type Simulator } from '../../src/simulator/index.ts'
import { describeRun, runCli, spawnCli, tempDir, writeCloudsYaml, type CliResult } from '../support/run-cli.ts'
import { ROUTES } from '../support/sim-cloud.ts'
import { addVolume, DAILY, projectIds } from '../support/sim-scenario.ts'

const ADMIN_PASSWORD = 'swtest-I-admin-Pa55word-7f3c'
const DEMO_PASSWORD = 'swtest-I-demo-Pa55word-91ad'
const WRONG_PASSWORD = 'swtest-I-wrong-Pa55word-c0de'
const SECRETS = [ADMIN_PASSWORD, DEMO_PASSWORD, WRONG_PASSWORD]

interface PlanJson {
  now: string
  items: { action: string; purpose?: string; reasons: string[]; window?: { key: string } }[]
  problems: { volumeId: string; key: string; value: string; accepted: string; message: string }[]
}

const json = <T>(r: CliResult): T => {
  try {
    return JSON.parse(r.stdout) as T
  } catch {
    assert.fail(`stdout is not JSON:\n${describeRun(r)}`)
  }
}

function assertNoSecrets(r: CliResult): void {
  for (const s of SECRETS) {
    assert.ok(!r.stdout.includes(s) && !r.stderr.includes(s), `a password leaked:\n${describeRun(r)}`)
  }
}

describe('CLI with no cloud configured (built-in simulator)', () => {
  test('--version prints the package version', async () => {
    const r = await runCli(['--version'])
    assert.equal(r.code, 0, describeRun(r))
    assert.equal(r.stdout.trim(), VERSION)
  })

  test('--help works on every command and shows its usage and summary', { timeout: 300_000 }, async () => {
    const names = COMMANDS.map((c) => c.name)
    for (let i = 0; i < names.length; i += 5) {
      const batch = names.slice(i, i + 5)
      const results = await Promise.all(batch.map((n) => runCli([...n.split(' '), '--help'])))
      results.forEach((r, k) => {
        const name = batch[k]!
        const summary = COMMANDS.find((c) => c.name === name)!.summary
        assert.equal(r.code, 0, `${name} --help: ${describeRun(r)}`)
        assert.match(r.stdout, new RegExp(`^Usage: snapwarden ${name}`), name)
        assert.ok(r.stdout.replace(/\s+/g, ' ').includes(summary.replace(/\s+/g, ' ')), `${name} --help lacks its summary:\n${r.stdout}`)
      })
    }
    const top = await runCli(['--help'])
    assert.equal(top.code, 0)
    for (const name of names) assert.ok(top.stdout.includes(name.split(' ')[0]!), `top-level help lacks ${name}`)
  })

  test('plan --json lists create, keep and delete items, each with its reasons', async () => {
    const r = await runCli(['plan', '--json'])
    assert.equal(r.code, 0, `the demo's metadata is valid, so plan exits 0: ${describeRun(r)}`)
    const plan = json<PlanJson>(r)
    for (const action of ['create', 'keep', 'delete']) {
      const items = plan.items.filter((i) => i.action === action)
      assert.ok(items.length > 0, `no ${action} item`)
      for (const i of items) assert.ok(i.reasons.length > 0 && i.reasons.every((x) => x.length > 0), `${action} without reason: ${JSON.stringify(i)}`)
    }
    assert.ok(plan.items.some((i) => i.action === 'delete' && i.reasons.some((x) => x.startsWith('expired'))))
  })

  test('plan --at shows the plan as it would be at another moment', async () => {
    // Two fixed instants in different daily windows (not the real now, which may share a window with either).
    const [juneRun, novemberRun] = await Promise.all([
      runCli(['--simulator', 'plan', '--at', '2026-06-15T12:00:00+02:00', '--json']),
      runCli(['--simulator', 'plan', '--at', '2026-11-29T23:00:00+01:00', '--json']),
    ])
    const june = json<PlanJson>(juneRun)
    const november = json<PlanJson>(novemberRun)
    assert.equal(june.now, '2026-06-15T10:00:00.000Z')
    assert.equal(november.now, '2026-11-29T22:00:00.000Z')
    const windows = (p: PlanJson) => p.items.flatMap((i) => (i.window ? [i.window.key] : []))
    const JUNE_15 = 'daily/2026-06-15T02:00+02:00[Europe/Berlin]'
    const NOVEMBER_29 = 'daily/2026-11-29T02:00+01:00[Europe/Berlin]'
    assert.ok(june.items.some((i) => i.action === 'create' && i.window?.key === JUNE_15), windows(june).join(', '))
    assert.ok(!windows(june).includes(NOVEMBER_29), windows(june).join(', '))
    assert.ok(windows(november).includes(NOVEMBER_29), windows(november).join(', '))
    assert.ok(!windows(november).includes(JUNE_15), windows(november).join(', '))
  })

  test('a wrong option exits 1 with a one-line message', async () => {
    for (const args of [['plan', '--bogus'], ['plan', '--at', 'yesterday'], ['subscribe', 'hourly', '--volume-id', 'x']]) {
      const r = await runCli(args)
      assert.equal(r.code, 1, `${args.join(' ')}: ${describeRun(r)}`)
      assert.equal(r.stderr.trim().split('\n').length, 1, `${args.join(' ')}: ${describeRun(r)}`)
      assert.equal(r.stdout, '')
    }
    const at = await runCli(['plan', '--at', 'yesterday'])
    assert.match(at.stderr, /--at "yesterday".*accepted: ISO 8601/)
  })

  test("a cloud that clouds.yaml does not define exits 1 naming it, also through SnapSentry's --cloud spelling", async () => {
    for (const args of [['--os-cloud', 'nosuch', 'inventory'], ['create-snapshots', '--cloud', 'nosuch']]) {
      const r = await runCli(args)
      assert.equal(r.code, 1, `${args.join(' ')}: ${describeRun(r)}`)
      assert.match(r.stderr, /clouds\.nosuch is not defined/)
      assert.equal(r.stderr.trim().split('\n').length, 1)
    }
  })

  test('metadefs prints a Glance namespace with every x-snapwarden-* and x-snapsentry-* key', async () => {
    const r = await runCli(['metadefs'])
    assert.equal(r.code, 0, describeRun(r))
    const ns = json<{ namespace: string; resource_type_associations: { name: string }[]; properties: Record<string, { title: string; type: string; description: string }> }>(r)
    assert.equal(ns.namespace, 'OS::Snapwarden::Snapshots')
    assert.deepEqual(ns.resource_type_associations.map((a) => a.name), ['OS::Cinder::Volume'])
    // SnapSentry's volume keys, as its subscribe writes and its parser reads them.
    const snapsentry = ['x-snapsentry-managed']
    for (const k of SCHEDULE_KINDS) snapsentry.push(`x-snapsentry-${k}-enabled`, `x-snapsentry-${k}-timezone`, `x-snapsentry-${k}-retention-days`, `x-snapsentry-${k}-retention-type`)
    for (const k of ['daily', 'weekly', 'monthly']) snapsentry.push(`x-snapsentry-${k}-start-time`)
    snapsentry.push('x-snapsentry-weekly-start-day-of-week', 'x-snapsentry-monthly-start-day-of-month', 'x-snapsentry-monthly-day-of-month', 'x-snapsentry-express-interval-hours')
    const everySubscribeWrites = SCHEDULE_KINDS.flatMap((k) =>
      Object.keys(subscribeMetadata(k, { timezone: 'UTC', startTime: { hour: 1, minute: 0 }, weekday: 1, dayOfMonth: 1, intervalHours: 6, retentionDays: 2, keepCount: 1, keepLast: 1, keepHourly: 1, keepDaily: 1, keepWeekly: 1, keepMonthly: 1, keepYearly: 1 })),
    )
    const expected = new Set([...snapsentry, ...everySubscribeWrites, ...METADATA_KEYS.map((k) => k.key)])
    const keys = Object.keys(ns.properties)
    for (const key of expected) assert.ok(key in ns.properties, `metadefs lacks ${key}`)
    assert.ok(keys.every((k) => /^x-snap(warden|sentry)-/.test(k)), keys.join(', '))
    assert.ok(keys.some((k) => k.startsWith('x-snapwarden-')) && keys.some((k) => k.startsWith('x-snapsentry-')))
    for (const [key, p] of Object.entries(ns.properties)) {
      assert.ok(p.title && ['boolean', 'string', 'integer'].includes(p.type) && /Accepted: /.test(p.description), `${key}: ${JSON.stringify(p)}`)
    }
  })
})

describe('CLI against a simulator started by the test (clouds.yaml in a temp dir)', () => {
  let sim: Simulator
  let home: ReturnType<typeof tempDir>
  let holdCreates: (() => Promise<void>) | undefined
  const env = (cloud: string) => ({ OS_CLIENT_CONFIG_FILE: `${home.dir}/clouds.yaml`, OS_CLOUD: cloud })
  const cli = (cloud: string, args: readonly string[]) => runCli(args, { env: env(cloud) })

  before(async () => {
    // Latency is only ever asked for on routes a test adds a latency fault to; it waits on `holdCreates`.
    sim = await startSimulator({ seed: 5, transitionMs: 0, sleep: () => (holdCreates ? holdCreates() : Promise.resolve()) })
    sim.state.identity.findUserByName('admin', 'default')!.password = ADMIN_PASSWORD
    sim.state.identity.findUserByName('demo', 'default')!.password = DEMO_PASSWORD
    home = tempDir()
    const wrong = sim.cloudConfig('admin')
    writeCloudsYaml(home.dir, {
      'sim-admin': sim.cloudConfig('admin'),
      'sim-demo': sim.cloudConfig('demo'),
      'sim-wrong': { ...wrong, auth: { ...wrong.auth, password: WRONG_PASSWORD } },
    })
  })
  after(async () => {
    await sim.close()
    home.remove()
  })

  const liveSnapshots = (vol: SimVolume) => {
    sim.state.settle()
    return sim.state.snapshots.list().filter((s) => s.volumeId === vol.id && s.status !== 'deleting')
  }
  const removeVolume = (vol: SimVolume) => {
    for (const s of sim.state.snapshots.list().filter((x) => x.volumeId === vol.id)) sim.state.removeResource(s)
    sim.state.removeResource(vol)
  }

  test('invalid metadata exits 3 and stdout names the volume, key, value and what is accepted; the valid policy still runs', async () => {
    const { admin } = projectIds(sim)
    const vol = addVolume(sim, admin, 'cli-bad', { ...DAILY, 'x-snapsentry-daily-start-time': '02:00', 'x-snapsentry-weekly-enabled': 'true', 'x-snapsentry-weekly-start-time': '25:00' })
    try {
      const r = await cli('sim-admin', ['create-snapshots'])
      assert.equal(r.code, 3, describeRun(r))
      const line = r.stdout.split('\n').find((l) => l.includes('x-snapsentry-weekly-start-time'))
      assert.ok(line, describeRun(r))
      for (const part of [vol.id, 'x-snapsentry-weekly-start-time', '"25:00"', 'accepted: HH:MM']) assert.ok(line.includes(part), `"${line}" lacks ${part}`)
      assert.deepEqual(liveSnapshots(vol).map((s) => s.metadata['x-snapwarden-policy']), ['daily'])
    } finally {
      removeVolume(vol)
    }
  })

  test('--all-projects with a member credential exits 1 with a clear message', async () => {
    const r = await cli('sim-demo', ['plan', '--all-projects'])
    assert.equal(r.code, 1, describeRun(r))
    assert.match(r.stderr.trim(), /^snapwarden: --all-projects needs an admin credential; demo has roles \[[a-z, ]*\]$/)
    assert.ok(!/\badmin\b/.test(r.stderr.split('roles')[1] ?? ''), r.stderr)
    assertNoSecrets(r)
  })

  test('passwords never appear in output, with --log-level debug and with a 401', { timeout: 120_000 }, async () => {
    const vol = addVolume(sim, projectIds(sim).admin, 'cli-secrets')
    try {
      const ok = await cli('sim-admin', ['--log-level', 'debug', '--debug', 'run'])
      assert.equal(ok.code, 0, describeRun(ok))
      assert.match(ok.stderr, /create requested/, 'the executor logged nothing')
      assertNoSecrets(ok)
    } finally {
      removeVolume(vol)
    }

    const denied = await cli('sim-wrong', ['--log-level', 'debug', '--debug', 'plan'])
    assert.equal(denied.code, 2, describeRun(denied))
    assert.match(denied.stderr, /401/)
    assertNoSecrets(denied)
  })

  test('kill -9 between sending the create and seeing its answer: the re-run adopts the snapshot, exactly one per window', { timeout: 120_000 }, async () => {
    const { admin } = projectIds(sim)
    const vol = addVolume(sim, admin, 'cli-kill')
    let received!: () => void
    const createReceived = new Promise<void>((r) => (received = r))
    let release!: () => void
    const released = new Promise<void>((r) => (release = r))
    holdCreates = () => {
      received()
      return released
    }
    const removeLatency = sim.faults.latency(1, { route: ROUTES.createSnapshot })
    sim.resetCalls()
    try {
      const first = spawnCli(['create-snapshots'], { env: env('sim-admin') })
      await Promise.race([createReceived, first.done.then((r) => assert.fail(`exited before sending the create: ${describeRun(r)}`))])
      first.child.kill('SIGKILL')
      const killed = await first.done
      assert.equal(killed.signal, 'SIGKILL')
      release() // the simulator now performs the create; its answer goes to a dead socket
      for (let i = 0; i < 1000 && liveSnapshots(vol).length === 0; i++) await new Promise((r) => setImmediate(r))
      const orphan = liveSnapshots(vol)
      assert.equal(orphan.length, 1, 'the killed run\'s create was not performed')

      const again = await cli('sim-admin', ['create-snapshots', '--json'])
      assert.equal(again.code, 0, describeRun(again))
      assert.equal(sim.calls()[ROUTES.createSnapshot], 1, 'the re-run sent a second create')
      const live = liveSnapshots(vol)
      assert.deepEqual(live.map((s) => s.id), [orphan[0]!.id])
      assert.equal(live[0]!.status, 'available')
      assert.match(live[0]!.metadata['x-snapwarden-window'] ?? '', /^daily\//)
    } finally {
      removeLatency()
      holdCreates = undefined
      release()
      removeVolume(vol)
    }
  })
})
