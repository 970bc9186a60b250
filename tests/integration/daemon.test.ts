// `snapwarden daemon` end to end as a child process. The first suites use the built-in simulator
// (`--simulator`) and a temp SQLite store.
// Snapshot schedules are set to once a year so that only the backup and retention jobs run,
// which they do right after start (then every backup_service_period seconds).
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { join } from 'node:path'
import { createServer } from 'node:net'
import type { Store } from '../../src/domain/store-port.ts'
import { DEFAULT_USERS, startSimulator, type Simulator } from '../../src/simulator/index.ts'
import { openStore } from '../../src/store/index.ts'
import { collectOutput, type OutputCollector } from '../support/backup-daemon.ts'
import { describeRun, runCli, spawnCli, tempDir, writeCloudsYaml, writeConfig, type SpawnedCli } from '../support/run-cli.ts'
import { addVolume, DAILY, projectIds } from '../support/sim-scenario.ts'

const START_MS = 30_000
const STOP_MS = 15_000
const YEARLY = '0 0 1 1 *'

describe('daemon --backups as a child process', () => {
  const home = tempDir('swtest-J-daemon-')
  const storeUrl = `sqlite:${join(home.dir, 'state', 'snapwarden.db')}`
  let daemon: SpawnedCli
  let out: OutputCollector
  let base = ''

  before(async () => {
    daemon = spawnCli(
      ['--simulator', 'daemon', '--bind-address', '127.0.0.1:0', '--create-schedule', YEARLY, '--expire-schedule', YEARLY, '--backups', '--grace-seconds', '5'],
      { dir: home.dir, env: { SNAPWARDEN_DB: storeUrl }, timeoutMs: 120_000 },
    )
    out = collectOutput(daemon.child)
    base = (await out.waitFor(/serving \/healthz \/readyz \/metrics on (http:\/\/127\.0\.0\.1:\d+)/, START_MS))[1]!
    await out.waitFor(/"job":"backup","outcome":"\w+"[^\n]*"msg":"job finished"/, START_MS)
    await out.waitFor(/"job":"retention","outcome":"\w+"[^\n]*"msg":"job finished"/, START_MS)
  })

  after(async () => {
    if (daemon.child.exitCode === null && daemon.child.signalCode === null) daemon.child.kill('SIGKILL')
    await daemon.done
    home.remove()
  })

  test('announces the backup and retention jobs next to the snapshot jobs', () => {
    assert.match(out.text(), /jobs: create-snapshots, expire-snapshots, backup, retention/)
  })

  test('/healthz answers 200', async () => {
    const res = await fetch(`${base}/healthz`)
    assert.equal(res.status, 200)
    assert.deepEqual(await res.json(), { status: 'ok' })
  })

  test('the backup cycle ran at start and backed up the tagged server of the built-in simulator', async () => {
    assert.match(out.text(), /"job":"backup","outcome":"succeeded"/)
    assert.match(out.text(), /"job":"retention","outcome":"succeeded"/)
    let store: Store | undefined
    try {
      store = openStore({ url: storeUrl })
      // demo-web (__staffeln_backup=true) has two volumes attached: two full backups, sent and left
      // in flight (the daemon does not wait; its next cycle's listing settles them).
      const tasks = await store.openTasks()
      assert.deepEqual(tasks.map((t) => `${t.kind}:${t.state}:${t.backupId !== undefined}`), ['full:started:true', 'full:started:true'], JSON.stringify(tasks, null, 2))
      assert.deepEqual(await store.tasksForReport(), [])
      assert.equal((await store.listBackups()).length, 2)
    } finally {
      await store?.close()
    }
  })

  test('/metrics has snapwarden_ metrics, with the backup and retention job runs', async () => {
    const res = await fetch(`${base}/metrics`)
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/)
    const text = await res.text()
    assert.match(text, /^snapwarden_job_runs_total\{job="backup",outcome="succeeded"\} 1$/m)
    assert.match(text, /^snapwarden_job_runs_total\{job="retention",outcome="succeeded"\} 1$/m)
    assert.match(text, /^snapwarden_job_last_success_timestamp_seconds\{job="backup"\} \d/m)
  })

  test('/readyz answers 200 once the backup job has reached the cloud', async () => {
    const res = await fetch(`${base}/readyz`)
    const body = (await res.json()) as { ready?: boolean; reasons?: string[] }
    assert.equal(res.status, 200, JSON.stringify(body))
    assert.equal(body.ready, true)
  })

  test('serves no other endpoint: no way to trigger or change anything over HTTP', async () => {
    // Unknown paths are 404; a known path with another method is 405 (it exists, read-only).
    const probes: [string, string, number][] = [
      ['POST', '/run', 404],
      ['POST', '/backup', 404],
      ['POST', '/healthz', 405],
      ['DELETE', '/metrics', 405],
      ['GET', '/', 404],
      ['GET', '/api/v1/backups', 404],
    ]
    for (const [method, path, status] of probes) {
      const res = await fetch(`${base}${path}`, { method })
      await res.arrayBuffer()
      assert.equal(res.status, status, `${method} ${path}`)
    }
  })

  test('SIGTERM stops it with exit code 0 within a bounded time', async () => {
    assert.ok(daemon.child.kill('SIGTERM'))
    const code = await out.exit(STOP_MS)
    assert.equal(code, 0, out.text())
    assert.match(out.text(), /"msg":"daemon stopped"/)
  })
})

describe('daemon with conductor.enabled in the config file', () => {
  test('runs the backup and retention jobs without --backups, and only with it or the option', async () => {
    const home = tempDir('swtest-J-daemon-cfg-')
    try {
      const env = { SNAPWARDEN_DB: `sqlite:${join(home.dir, 'state', 'snapwarden.db')}` }
      const schedules = ['--bind-address', '127.0.0.1:0', '--create-schedule', YEARLY, '--expire-schedule', YEARLY, '--grace-seconds', '1']
      for (const [enabled, jobs] of [
        [true, 'jobs: create-snapshots, expire-snapshots, backup, retention'],
        [false, 'jobs: create-snapshots, expire-snapshots\n'],
      ] as const) {
        const config = writeConfig(home.dir, { conductor: { enabled } })
        const daemon = spawnCli(['--simulator', '--config', config, 'daemon', ...schedules], { dir: home.dir, env, timeoutMs: 60_000 })
        const out = collectOutput(daemon.child)
        try {
          await out.waitFor(/serving \/healthz/, START_MS)
          assert.ok(out.text().includes(jobs), out.text())
        } finally {
          daemon.child.kill('SIGTERM')
          await out.exit(STOP_MS)
        }
      }
    } finally {
      home.remove()
    }
  })
})

const TOKENS = 'POST /identity/v3/auth/tokens'

/** A loopback port nothing listens on right now (the simulator is started on it later). */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** A clouds.yaml entry for the simulator's admin on this port (the simulator need not run yet). */
function simCloud(port: number): Record<string, unknown> {
  return {
    auth: {
      auth_url: `http://127.0.0.1:${port}/identity/v3`,
      username: DEFAULT_USERS.admin.name,
      password: DEFAULT_USERS.admin.password,
      project_name: DEFAULT_USERS.admin.project,
      user_domain_name: 'Default',
      project_domain_name: 'Default',
    },
    region_name: 'RegionOne',
  }
}

const count = (text: string, re: RegExp): number => [...text.matchAll(new RegExp(re.source, 'g'))].length

describe('daemon started while the cloud is down (a clouds.yaml naming a simulator that is not up yet)', () => {
  // A create-snapshots run that completed (a run that could not complete logs "job failed").
  const CREATE_DONE = /"job":"create-snapshots","outcome":"(\w+)"[^\n]*"msg":"job finished"/
  const home = tempDir('swtest-J-daemon-outage-')
  let sim: Simulator | undefined
  let daemon: SpawnedCli | undefined
  let out: OutputCollector

  after(async () => {
    if (daemon && daemon.child.exitCode === null && daemon.child.signalCode === null) daemon.child.kill('SIGKILL')
    await daemon?.done
    await sim?.close()
    home.remove()
  })

  test(
    'it is not ready while the cloud is down, then without a restart becomes ready and snapshots; invalid metadata on one volume leaves it ready with the completion gauge set and the problem counted',
    { timeout: 180_000 },
    async () => {
      const port = await freePort()
      writeCloudsYaml(home.dir, { outage: simCloud(port) })
      daemon = spawnCli(['daemon', '--bind-address', '127.0.0.1:0', '--create-schedule', '* * * * *', '--expire-schedule', YEARLY, '--grace-seconds', '5'], {
        dir: home.dir,
        env: { OS_CLIENT_CONFIG_FILE: join(home.dir, 'clouds.yaml'), OS_CLOUD: 'outage' },
        timeoutMs: 170_000,
      })
      out = collectOutput(daemon.child)
      const base = (await out.waitFor(/serving \/healthz \/readyz \/metrics on (http:\/\/127\.0\.0\.1:\d+)/, START_MS))[1]!
      // The first connection (authentication retried with backoff inside) has given up.
      await out.waitFor(/"msg":"could not connect to the cloud"/, 60_000)
      const down = await fetch(`${base}/readyz`)
      const downBody = (await down.json()) as { reasons: string[] }
      assert.equal(down.status, 503)
      assert.match(downBody.reasons.join('\n'), /^the cloud was unreachable at the last attempt \(.*\): OS_NETWORK: /m)
      assert.equal((await fetch(`${base}/healthz`)).status, 200, 'liveness stays 200: the process is fine')

      sim = await startSimulator({ port, seed: 4, transitionMs: 0 })
      const { admin } = projectIds(sim)
      const good = addVolume(sim, admin, 'outage-good', { ...DAILY })
      addVolume(sim, admin, 'outage-bad', { ...DAILY, 'x-snapsentry-weekly-enabled': 'true', 'x-snapsentry-weekly-start-time': '25:00' })
      // The first create-snapshots run that completes (the cron fires every minute); while the
      // cloud was down none did.
      assert.equal(count(out.text(), CREATE_DONE), 0, out.text())
      const outcome = (await out.waitFor(CREATE_DONE, 130_000))[1]
      assert.equal(outcome, 'completed_with_failures', out.text().slice(-4000))
      sim.state.settle()
      const snaps = sim.state.snapshots.list().filter((x) => x.volumeId === good.id)
      assert.equal(snaps.length, 1, 'the valid volume got its snapshot')

      const ready = await fetch(`${base}/readyz`)
      const readyBody = (await ready.json()) as { ready: boolean; reasons: string[] }
      assert.equal(ready.status, 200, JSON.stringify(readyBody))
      const metrics = await (await fetch(`${base}/metrics`)).text()
      assert.match(metrics, /^snapwarden_job_last_completion_timestamp_seconds\{job="create-snapshots"\} \d/m)
      const problems = /^snapwarden_job_problems\{job="create-snapshots",kind="parse-policy"\} (\d+)$/m.exec(metrics)
      assert.ok(problems && Number(problems[1]) > 0, metrics)
      assert.match(metrics, /^snapwarden_policy_problems [1-9]/m)

      assert.ok(daemon.child.kill('SIGTERM'))
      assert.equal(await out.exit(STOP_MS), 0, out.text().slice(-4000))
      assert.match(out.text(), /"msg":"daemon stopped"/)
    },
  )
})

describe('cloud selection and Keystone faults with a simulator started by the test', () => {
  const home = tempDir('swtest-J-daemon-keystone-')
  let sim: Simulator
  let env: Record<string, string>

  before(async () => {
    sim = await startSimulator({ seed: 6, transitionMs: 0 })
    writeCloudsYaml(home.dir, { sim: simCloud(sim.port) })
    env = { OS_CLIENT_CONFIG_FILE: join(home.dir, 'clouds.yaml') }
  })
  after(async () => {
    await sim.close()
    home.remove()
  })

  test('one 500 on the token request does not fail `run`: authentication is retried', { timeout: 60_000 }, async () => {
    const vol = addVolume(sim, projectIds(sim).admin, 'token-500', { ...DAILY })
    sim.faults.errorRate(1, { route: TOKENS, times: 1 })
    const before = sim.calls()[TOKENS] ?? 0
    const r = await runCli(['--os-cloud', 'sim', 'run'], { dir: home.dir, env })
    assert.equal(r.code, 0, describeRun(r))
    assert.ok((sim.calls()[TOKENS] ?? 0) - before >= 2, 'the token request was sent again')
    sim.state.settle()
    assert.equal(sim.state.snapshots.list().filter((x) => x.volumeId === vol.id).length, 1)
  })

  test('a daemon whose --os-cloud clouds.yaml lacks exits 1 at start, naming the cloud', { timeout: 60_000 }, async () => {
    const r = await runCli(['--os-cloud', 'no-such-cloud', 'daemon', '--bind-address', '127.0.0.1:0'], { dir: home.dir, env, timeoutMs: 30_000 })
    assert.equal(r.code, 1, describeRun(r))
    assert.match(r.stderr, /no-such-cloud/)
    assert.doesNotMatch(r.stderr, /serving \/healthz/, 'it stopped before serving')
  })
})
