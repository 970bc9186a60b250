// `snapwarden daemon --backups` end to end as a child process: no cloud configured (HOME is an
// empty temp dir), so it uses the built-in simulator, and its store is a temp SQLite file.
// Snapshot schedules are set to once a year so that only the backup and retention jobs run,
// which they do right after start (then every backup_service_period seconds).
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { join } from 'node:path'
import type { Store } from '../../src/domain/store-port.ts'
import { openStore } from '../../src/store/index.ts'
import { collectOutput, type OutputCollector } from '../support/backup-daemon.ts'
import { spawnCli, tempDir, writeConfig, type SpawnedCli } from '../support/run-cli.ts'

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
      ['daemon', '--bind-address', '127.0.0.1:0', '--create-schedule', YEARLY, '--expire-schedule', YEARLY, '--backups', '--grace-seconds', '5'],
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
      const tasks = await store.tasksForReport()
      // demo-web (__staffeln_backup=true) has two volumes attached: two full backups.
      assert.deepEqual(tasks.map((t) => `${t.kind}:${t.state}`), ['full:succeeded', 'full:succeeded'], JSON.stringify(tasks, null, 2))
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
    const probes: [string, string][] = [
      ['POST', '/run'],
      ['POST', '/backup'],
      ['POST', '/healthz'],
      ['DELETE', '/metrics'],
      ['GET', '/'],
      ['GET', '/api/v1/backups'],
    ]
    for (const [method, path] of probes) {
      const res = await fetch(`${base}${path}`, { method })
      await res.arrayBuffer()
      assert.equal(res.status, 404, `${method} ${path}`)
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
        const daemon = spawnCli(['--config', config, 'daemon', ...schedules], { dir: home.dir, env, timeoutMs: 60_000 })
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
