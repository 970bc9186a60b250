// The real CLI as a child process: against its built-in simulator (--simulator), with no cloud
// configured, or against a simulator this test starts, reached through a generated clouds.yaml in a
// temp dir.
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { COMMANDS } from '../../src/cli/commands/index.ts'
import { VERSION } from '../../src/cli/version.ts'
import { SCHEDULE_KINDS } from '../../src/domain/policy.ts'
import { METADATA_KEYS } from '../../src/planner/metadata-keys.ts'
import { subscribeMetadata } from '../../src/planner/subscribe-metadata.ts'
import { startSimulator, type SimVolume, type Simulator } from '../../src/simulator/index.ts'
import { describeRun, runCli, spawnCli, tempDir, writeCloudsYaml, type CliResult } from '../support/run-cli.ts'
import { LoopbackProxy } from '../../src/openstack/testhelper/loopback-proxy.ts'
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

describe('CLI with the built-in simulator (--simulator) or without a cloud', () => {
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

  test('plan --json lists create, keep and delete items, each with its reasons; --simulator goes before or after the command', async () => {
    const [before, after] = await Promise.all([runCli(['--simulator', 'plan', '--json']), runCli(['plan', '--simulator', '--json'])])
    assert.equal(after.code, 0, describeRun(after))
    assert.ok(json<PlanJson>(after).items.length > 0, describeRun(after))
    const r = before
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
    // Two fixed instants in different daily windows, far from the real now: the demo's snapshots are
    // made relative to the real now, so an instant near it may find its window already taken.
    const [juneRun, novemberRun] = await Promise.all([
      runCli(['--simulator', 'plan', '--at', '2099-06-15T12:00:00+02:00', '--json']),
      runCli(['--simulator', 'plan', '--at', '2099-11-29T23:00:00+01:00', '--json']),
    ])
    const june = json<PlanJson>(juneRun)
    const november = json<PlanJson>(novemberRun)
    assert.equal(june.now, '2099-06-15T10:00:00.000Z')
    assert.equal(november.now, '2099-11-29T22:00:00.000Z')
    const windows = (p: PlanJson) => p.items.flatMap((i) => (i.window ? [i.window.key] : []))
    const JUNE_15 = 'daily/2099-06-15T02:00+02:00[Europe/Berlin]'
    const NOVEMBER_29 = 'daily/2099-11-29T02:00+01:00[Europe/Berlin]'
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

  test('with no cloud configured every cloud command exits 1 naming where it looked, and acts on nothing', { timeout: 240_000 }, async () => {
    const commands = [['inventory'], ['run'], ['policies'], ['subscribe', 'daily', '--volume-id', 'v1'], ['backup', 'run'], ['daemon', '--bind-address', '127.0.0.1:0']]
    const home = tempDir()
    try {
      const results: CliResult[] = []
      // Three at a time: the machine may be shared, and a child killed by the timeout proves nothing.
      for (let i = 0; i < commands.length; i += 3) {
        results.push(...(await Promise.all(commands.slice(i, i + 3).map((args) => runCli(args, { dir: home.dir, timeoutMs: 60_000 })))))
      }
      results.forEach((r, i) => {
        const args = commands[i]!.join(' ')
        assert.equal(r.code, 1, `${args}: ${describeRun(r)}`)
        assert.equal(r.stdout, '', args)
        assert.doesNotMatch(r.stderr, /serving|simulator \(/, args)
        const line = r.stderr.split('\n').find((l) => l.startsWith('snapwarden: ')) ?? ''
        for (const part of [`${home.dir}/clouds.{yaml,yml,json}`, `${home.dir}/.config/openstack/clouds.{yaml,yml,json}`, '/etc/openstack/clouds.{yaml,yml,json}', 'OS_CLOUD', 'OS_AUTH_URL', '--simulator']) {
          assert.ok(line.includes(part), `${args}: "${line}" lacks ${part}`)
        }
      })
    } finally {
      home.remove()
    }
  })

  test('a clouds.yaml, secure.yaml or config file that is named but missing exits 1 naming the path, even with a clouds.yaml at hand', { timeout: 240_000 }, async () => {
    const home = tempDir()
    try {
      // A usable-looking cloud in ./clouds.yaml: the typo must not fall back to it (nor to the simulator).
      writeCloudsYaml(home.dir, { here: { auth: { auth_url: 'http://127.0.0.1:9/v3', username: 'u', password: 'p', user_domain_name: 'Default', project_id: 'p' } } })
      const typo = `${home.dir}/cron-typo/clouds.yaml`
      const cases: [readonly string[], Record<string, string>, string][] = [
        [['inventory'], { OS_CLIENT_CONFIG_FILE: typo }, `OS_CLIENT_CONFIG_FILE names ${typo}, which does not exist`],
        [['daemon', '--bind-address', '127.0.0.1:0'], { OS_CLIENT_CONFIG_FILE: typo }, `OS_CLIENT_CONFIG_FILE names ${typo}, which does not exist`],
        [['plan'], { OS_CLIENT_SECURE_FILE: typo }, `OS_CLIENT_SECURE_FILE names ${typo}, which does not exist`],
        [['--config', `${home.dir}/nope.yaml`, 'plan'], {}, `config file ${home.dir}/nope.yaml does not exist`],
        [['--simulator', 'plan'], { SNAPWARDEN_CONFIG: `${home.dir}/nope.yaml` }, `config file ${home.dir}/nope.yaml does not exist`],
        [['metadefs'], { SNAPWARDEN_CONFIG: `${home.dir}/nope.yaml` }, `config file ${home.dir}/nope.yaml does not exist`],
      ]
      const results: CliResult[] = []
      for (let i = 0; i < cases.length; i += 3) {
        results.push(...(await Promise.all(cases.slice(i, i + 3).map(([args, env]) => runCli(args, { dir: home.dir, env, timeoutMs: 60_000 })))))
      }
      results.forEach((r, i) => {
        const [args, , message] = cases[i]!
        assert.equal(r.code, 1, `${args.join(' ')}: ${describeRun(r)}`)
        assert.equal(r.stderr.trim(), `snapwarden: ${message}`, args.join(' '))
        assert.equal(r.stdout, '')
      })
    } finally {
      home.remove()
    }
  })

  test('--simulator with an explicit cloud is a usage error; OS_CLOUD in the environment yields to it', async () => {
    const [withFlag, withAlias, withEnv] = await Promise.all([
      runCli(['--simulator', '--os-cloud', 'prod', 'plan']),
      runCli(['plan', '--cloud', 'prod', '--simulator']),
      runCli(['--simulator', 'plan', '--json'], { env: { OS_CLOUD: 'prod' } }),
    ])
    assert.equal(withFlag.code, 1, describeRun(withFlag))
    assert.equal(withFlag.stderr.trim(), 'snapwarden: --simulator and --os-cloud "prod" both choose the cloud; use one of them')
    assert.equal(withAlias.code, 1, describeRun(withAlias))
    assert.match(withAlias.stderr, /--simulator and --cloud "prod" both choose the cloud/)
    assert.equal(withEnv.code, 0, describeRun(withEnv))
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
  const env = (cloud: string, extra: Record<string, string> = {}) => ({ OS_CLIENT_CONFIG_FILE: `${home.dir}/clouds.yaml`, OS_CLOUD: cloud, ...extra })
  const cli = (cloud: string, args: readonly string[], extra: Record<string, string> = {}) => runCli(args, { env: env(cloud, extra) })

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
      'sim-region': { ...sim.cloudConfig('admin'), region_name: 'RegionTwo' },
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

  test('an unknown volume id in subscribe, unsubscribe and policies exits 1 naming it; nothing is written', async () => {
    const unknown = '00000000-0000-4000-8000-00000000dead'
    sim.resetCalls()
    const results = await Promise.all([
      cli('sim-admin', ['subscribe', 'daily', '--volume-id', unknown]),
      cli('sim-admin', ['unsubscribe', 'daily', '--volume-id', unknown]),
      cli('sim-admin', ['policies', '--volume-id', unknown]),
    ])
    for (const r of results) {
      assert.equal(r.code, 1, describeRun(r))
      assert.match(r.stderr.trim(), new RegExp(`^snapwarden: --volume-id "${unknown}": no such volume \\(Cinder answered 404\\); accepted: `))
      assert.equal(r.stdout, '')
    }
    const writes = Object.entries(sim.calls()).filter(([route, n]) => n > 0 && /^(POST|PUT|DELETE)/.test(route) && !route.includes('auth/tokens'))
    assert.deepEqual(writes, [])
  })

  test('a webhook secret file that cannot be read stops the run before it acts, naming the file', async () => {
    const { admin } = projectIds(sim)
    const vol = addVolume(sim, admin, 'cli-webhook', DAILY)
    const dir = tempDir()
    try {
      const config = join(dir.dir, 'snapwarden.yaml')
      writeFileSync(config, 'webhook:\n  url: http://127.0.0.1:9/hook\n')
      const missing = join(dir.dir, 'no-such-secret')
      const r = await cli('sim-admin', ['--config', config, 'create-snapshots'], { SNAPWARDEN_WEBHOOK_SECRET_FILE: missing })
      assert.equal(r.code, 1, describeRun(r))
      assert.ok(r.stderr.includes(missing) && r.stderr.includes('SNAPWARDEN_WEBHOOK_SECRET_FILE'), describeRun(r))
      assert.deepEqual(liveSnapshots(vol), [], 'nothing was created')
    } finally {
      dir.remove()
      removeVolume(vol)
    }
  })

  test('an unsupported store URL exits 1 naming where it was set, without its password', async () => {
    const dir = tempDir()
    try {
      const [flag, envVar] = await Promise.all([
        cli('sim-admin', ['backup', 'run', '--db', 'mysql://root:st0re-pw@127.0.0.1/snap']),
        runCli(['db', 'status'], { dir: dir.dir, env: { SNAPWARDEN_DB: 'redis://127.0.0.1:6379' } }),
      ])
      assert.equal(flag.code, 1, describeRun(flag))
      assert.equal(flag.stderr.trim(), 'snapwarden: --db: store URL mysql://root:***@127.0.0.1/snap has an unsupported scheme (use sqlite:<path> or postgres://…)')
      assert.equal(envVar.code, 1, describeRun(envVar))
      assert.match(envVar.stderr.trim(), /^snapwarden: (SNAPWARDEN_DB: )?store URL redis:\/\/127\.0\.0\.1:6379 has an unsupported scheme/)
    } finally {
      dir.remove()
    }
  })

  test('a region_name the catalog lacks exits 1 naming the region and the regions the catalog has', async () => {
    const r = await cli('sim-region', ['inventory'])
    assert.equal(r.code, 1, describeRun(r))
    assert.match(r.stderr.trim(), /^snapwarden: clouds\.yaml \([^)]+\): cloud sim-region: region_name 'RegionTwo' is not in the catalog; its regions: RegionOne$/)
  })

  test('HTTP_PROXY carries every call to the cloud; NO_PROXY sends them directly', async () => {
    const proxy = await LoopbackProxy.start()
    try {
      const via = await cli('sim-admin', ['inventory', '--json'], { HTTP_PROXY: proxy.url })
      assert.equal(via.code, 0, describeRun(via))
      const carried = proxy.requests.length
      assert.ok(carried >= 4, `the proxy carried ${carried} requests`)
      assert.ok(proxy.requests.some((p) => p.method === 'POST' && p.target.endsWith('/v3/auth/tokens')), JSON.stringify(proxy.requests))
      assert.ok(proxy.requests.some((p) => p.method === 'GET' && /\/volumes\/detail/.test(p.target)), JSON.stringify(proxy.requests))
      const direct = await cli('sim-admin', ['inventory', '--json'], { http_proxy: proxy.url, no_proxy: 'localhost,127.0.0.1' })
      assert.equal(direct.code, 0, describeRun(direct))
      assert.equal(proxy.requests.length, carried, 'NO_PROXY=127.0.0.1 still went through the proxy')
    } finally {
      await proxy.close()
    }
  })

  test('a daemon whose clouds.yaml selection is wrong exits 1 at start, before serving', { timeout: 60_000 }, async () => {
    // Before the fix it logged the error and served on; the child is killed after 30 s then.
    const r = await runCli(['daemon', '--bind-address', '127.0.0.1:0'], { env: env('nosuch'), timeoutMs: 30_000 })
    assert.equal(r.code, 1, describeRun(r))
    assert.match(r.stderr.trim(), /^snapwarden: clouds\.yaml \([^)]+\): clouds\.nosuch is not defined \(known: [^)]*sim-admin/)
    assert.doesNotMatch(r.stderr, /serving/)
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
