// `snapwarden api` with bad input: each error names the option, the value and what is accepted, and
// exits 1 before serving; a store that cannot be read yet is not an error (answers False until it can).
import assert from 'node:assert/strict'
import { mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import Database from 'better-sqlite3'
import { openStore } from '../../src/store/index.ts'
import { startApiProcess } from '../support/protection-api-process.ts'
import { describeRun, runCli, tempDir, writeConfig } from '../support/run-cli.ts'

test('bad options and unusable TLS files exit 1 naming the option and file', async (t) => {
  const { dir, remove } = tempDir('swtest-protect-cli-')
  t.after(remove)
  const notPem = join(dir, 'not-a-cert.pem')
  writeFileSync(notPem, 'not a certificate\n')
  const db = `sqlite:${join(dir, 'store.sqlite')}`
  const cases: { args: string[]; stderr: RegExp }[] = [
    { args: ['api', '--tls-cert', notPem], stderr: /--tls-cert and --tls-key go together: --tls-cert was given alone/ },
    { args: ['api', '--tls-client-ca', notPem], stderr: /--tls-client-ca needs --tls-cert and --tls-key/ },
    { args: ['api', '--bind-address', '8808'], stderr: /--bind-address "8808": accepted: host:port/ },
    { args: ['api', '--db', db, '--tls-cert', join(dir, 'missing.crt'), '--tls-key', notPem], stderr: /--tls-cert .*missing\.crt cannot be read: .*accepted: a readable PEM file/ },
    { args: ['api', '--db', db, '--tls-cert', notPem, '--tls-key', notPem], stderr: /--tls-cert\/--tls-key: the certificate and key cannot be used: .*accepted: a PEM certificate and its private key/ },
    { args: ['api', '--db', ':memory:'], stderr: /:memory: cannot be shared with the protection API/ },
    { args: ['api', '--workers', '0'], stderr: /--workers "0": accepted: a whole number from 1 to 16/ },
    { args: ['api', '--workers', 'two'], stderr: /--workers "two": accepted: a whole number from 1 to 16/ },
    { args: ['api', '--workers', '17'], stderr: /--workers "17": accepted/ },
    { args: ['api', '--workers', '2', '--accept', 'kernel'], stderr: /--accept "kernel": accepted: workers or primary/ },
    { args: ['api', '--accept', 'primary'], stderr: /--accept primary needs --workers 2 or more/ },
    {
      // A worker that cannot start says why; the primary then stops and names it.
      args: ['api', '--db', db, '--workers', '2', '--tls-cert', notPem, '--tls-key', notPem],
      stderr: /--tls-cert\/--tls-key: the certificate and key cannot be used[\s\S]*protection API worker \d+ stopped before it served/,
    },
    {
      // Not in the working directory: ./snapwarden.yaml would be read by every other case.
      args: ['--config', writeConfig(mkdirSync(join(dir, 'etc'), { recursive: true })!, { protection: { tls: { cert_file: join(dir, 'nope.crt'), key_file: notPem } } }), 'api', '--db', db],
      stderr: /protection\.tls\.cert_file .*nope\.crt cannot be read/,
    },
  ]
  for (const c of cases) {
    const r = await runCli(c.args, { dir })
    assert.equal(r.code, 1, `${c.args.join(' ')}: ${describeRun(r)}`)
    assert.match(r.stderr, c.stderr, c.args.join(' '))
  }
})

test('a store that does not exist yet: the API starts, logs it, and answers False (503) until it can read it', async (t) => {
  const { dir, remove } = tempDir('swtest-protect-cli-')
  t.after(remove)
  const api = await startApiProcess(['api', '--db', `sqlite:${join(dir, 'later.sqlite')}`, '--bind-address', '127.0.0.1:0'], { dir })
  try {
    const res = await fetch(`${api.url}/v1/backup?backup_id=f0000000-0000-4000-8000-000000000001`, { method: 'POST' })
    assert.deepEqual([res.status, await res.text()], [503, 'False'])
    assert.match(api.stderr(), /the store cannot be read; answering False until it can/)
  } finally {
    await api.stop()
  }
})

/** The process ids of a process's children (Linux /proc). */
function childrenOf(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)
}

test('api --workers 2: two processes serve the same listener; a worker that dies is replaced; SIGTERM stops them all', { timeout: 120_000 }, async (t) => {
  const { dir, path } = await migratedStoreFile(t)
  const tracked = 'f0000000-0000-4000-8000-0000000000aa'
  const db = new Database(path)
  db.prepare("insert into backups (backup_id, volume_id, project_id, kind, status, created_at) values (?, 'vol-1', 'p-1', 'full', 'available', 0)").run(tracked)
  db.close()
  const api = await startApiProcess(['api', '--db', `sqlite:${path}`, '--bind-address', '127.0.0.1:0', '--workers', '2'], { dir })
  let stopped = false
  t.after(async () => {
    if (!stopped) await api.stop()
  })
  assert.match(api.stderr(), /serving .* on http:\/\/127\.0\.0\.1:\d+ \(2 workers\)/)
  const ask = async (id: string) => {
    // A new connection per check (as oslo.policy makes): a worker accepts it.
    const res = await fetch(`${api.url}/v1/backup?backup_id=${id}`, { method: 'POST', headers: { connection: 'close' } })
    return [res.status, await res.text()]
  }
  const workers = childrenOf(api.pid)
  assert.equal(workers.length, 2, 'two worker processes')
  for (let i = 0; i < 4; i++) {
    assert.deepEqual(await ask(tracked), [200, 'False'])
    assert.deepEqual(await ask('f0000000-0000-4000-8000-0000000000bb'), [200, 'True'])
  }
  // One worker dies: the other keeps answering, and a new one takes its place.
  process.kill(workers[0]!, 'SIGKILL')
  await api.waitForStderr(/protection API worker died: starting another/)
  assert.deepEqual(await ask(tracked), [200, 'False'])
  await api.waitForStderr(/protection API listening[\s\S]*protection API listening[\s\S]*protection API listening/)
  const now = childrenOf(api.pid)
  assert.equal(now.length, 2)
  assert.ok(!now.includes(workers[0]!) && now.includes(workers[1]!), `replaced: ${workers} -> ${now}`)
  const r = await api.stop()
  stopped = true
  assert.equal(r.code, 0, describeRun(r))
  for (const pid of now) assert.throws(() => process.kill(pid, 0), /ESRCH/, `worker ${pid} exited with the primary`)
})

test('api --workers 2: after its workers died 4 times the API stops them all and exits 2 (a supervisor restarts it)', { timeout: 120_000 }, async (t) => {
  const { dir, path } = await migratedStoreFile(t)
  const api = await startApiProcess(['api', '--db', `sqlite:${path}`, '--bind-address', '127.0.0.1:0', '--workers', '2'], { dir })
  t.after(() => api.stop())
  for (let death = 1; death <= 3; death++) {
    process.kill(childrenOf(api.pid)[0]!, 'SIGKILL')
    // The primary logs each death and then the replacement serving (a worker's own log line may be
    // lost with it when it is killed, so the primary's lines are counted).
    await api.waitForStderr(new RegExp(`(protection API worker died: starting another[\\s\\S]*){${death}}`))
    await api.waitForStderr(new RegExp(`(protection API worker replaced: the new one serves[\\s\\S]*){${death}}`))
  }
  const survivors = childrenOf(api.pid)
  process.kill(survivors[0]!, 'SIGKILL')
  const r = await api.exited
  assert.equal(r.code, 2, describeRun(r))
  assert.match(r.stderr, /replaced too often: stopping/)
  for (const pid of survivors) assert.throws(() => process.kill(pid, 0), /ESRCH/, `worker ${pid} is gone`)
})

for (const accept of ['workers', 'primary'] as const) {
  test(`api --workers 2 --accept ${accept}: ${accept === 'workers' ? 'each worker accepts from the shared listening socket (the default)' : 'the primary alone accepts and hands connections to the workers'}`, { timeout: 120_000 }, async (t) => {
    const { dir, path } = await migratedStoreFile(t)
    const args = ['api', '--db', `sqlite:${path}`, '--bind-address', '127.0.0.1:0', '--workers', '2', ...(accept === 'primary' ? ['--accept', 'primary'] : [])]
    const api = await startApiProcess(args, { dir })
    t.after(() => api.stop())
    const inode = listeningSocketInode(api.port)
    const workers = childrenOf(api.pid)
    assert.equal(workers.length, 2)
    // node:cluster's round-robin keeps the listening socket in the primary alone and passes each
    // accepted connection to a worker over IPC; with the workers accepting, each holds it.
    for (const pid of workers) assert.equal(socketInodes(pid).has(inode), accept === 'workers', `worker ${pid} holds the listening socket ${inode}`)
    const res = await fetch(`${api.url}/v1/backup?backup_id=f0000000-0000-4000-8000-0000000000cc`, { method: 'POST', headers: { connection: 'close' } })
    assert.deepEqual([res.status, await res.text()], [200, 'True'])
  })
}

/** The inode of the socket listening on 127.0.0.1:port (Linux /proc/net/tcp, state 0A). */
function listeningSocketInode(port: number): string {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0')
  const line = readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .find((f) => f[1] === `0100007F:${hexPort}` && f[3] === '0A')
  assert.ok(line, `a socket listening on 127.0.0.1:${port}`)
  return line[9]!
}

/** The inodes of the sockets a process holds open. */
function socketInodes(pid: number): Set<string> {
  const out = new Set<string>()
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))
      if (m) out.add(m[1]!)
    } catch {
      // closed meanwhile
    }
  }
  return out
}

/** A temporary directory (removed after the test) holding a migrated SQLite store. */
async function migratedStoreFile(t: TestContext): Promise<{ dir: string; path: string }> {
  const { dir, remove } = tempDir('swtest-protect-cli-')
  t.after(remove)
  const path = join(dir, 'store.sqlite')
  const store = openStore({ url: `sqlite:${path}` })
  await store.migrate()
  await store.close()
  return { dir, path }
}
