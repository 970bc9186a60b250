import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { connect } from 'node:net'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { test, type TestContext } from 'node:test'
import Database from 'better-sqlite3'
import { Pool, request } from 'undici'
import type { Logger } from '../domain/logger.ts'
import { openStore, openTrackedBackupReader } from '../store/index.ts'
import { buildProtectionApp, type ProtectionApp } from './protection-app.ts'

const TRACKED = 'c0ffee00-0000-4000-8000-000000000001'
const DELETED = 'c0ffee00-0000-4000-8000-000000000002'
const UNKNOWN = 'c0ffee00-0000-4000-8000-00000000000f'

function recordingLogger() {
  const lines: { level: string; obj: Record<string, unknown>; msg?: string }[] = []
  const logger: Logger = {
    debug: (obj, msg) => void lines.push({ level: 'debug', obj, msg }),
    info: (obj, msg) => void lines.push({ level: 'info', obj, msg }),
    warn: (obj, msg) => void lines.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => void lines.push({ level: 'error', obj, msg }),
    child: () => logger,
  }
  return { logger, lines }
}

interface Ask {
  readonly method: 'GET' | 'HEAD' | 'POST' | 'DELETE' | 'PUT'
  readonly url: string
  readonly headers?: Record<string, string>
  readonly payload?: string
}

/** Serves the app on loopback and asks it over real HTTP (one keep-alive connection pool per app). */
async function asker(app: ProtectionApp) {
  const base = await app.listen({ host: '127.0.0.1', port: 0 })
  return Object.assign(async (o: Ask) => {
    const res = await request(`${base}${o.url}`, { method: o.method, ...(o.headers ? { headers: o.headers } : {}), ...(o.payload !== undefined ? { body: o.payload } : {}) })
    return { statusCode: res.statusCode, headers: res.headers, body: await res.body.text() }
  }, { base })
}

/** A real SQLite store file with one tracked and one deleted backup, and the API reading it. */
async function fixture(t: TestContext) {
  const dir = mkdtempSync(join(tmpdir(), 'swtest-protect-'))
  const path = join(dir, 'store.sqlite')
  const store = openStore({ url: `sqlite:${path}` })
  await store.migrate()
  for (const id of [TRACKED, DELETED]) {
    await store.recordBackup({ backupId: id, volumeId: 'vol-1', projectId: 'p-1', kind: 'full', status: 'available', createdAt: new Date(0) })
  }
  await store.markBackupDeleted(DELETED, new Date(1000))
  await store.close()
  const reader = openTrackedBackupReader(`sqlite:${path}`)
  const { logger, lines } = recordingLogger()
  const app = buildProtectionApp({ lookup: reader, logger })
  t.after(async () => {
    await app.close()
    await reader.close()
    rmSync(dir, { recursive: true, force: true })
  })
  const inject = await asker(app)
  return { app: { inject }, base: inject.base, server: app, lines, path }
}

/** What oslo.policy's HttpCheck sends by default (remote_content_type application/x-www-form-urlencoded). */
function form(target: Record<string, unknown>): { payload: string; headers: Record<string, string> } {
  const body = new URLSearchParams({
    rule: JSON.stringify('backup:delete'),
    target: JSON.stringify(target),
    credentials: JSON.stringify({ user_id: 'u-1', project_id: 'p-1', roles: ['member'], is_admin: false }),
  })
  return { payload: body.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } }
}

function json(target: Record<string, unknown>): { payload: string; headers: Record<string, string> } {
  const body = { rule: 'backup:delete', target, credentials: { user_id: 'u-1', project_id: 'p-1', roles: ['member'] } }
  return { payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } }
}

test('a tracked backup answers False, an unknown or deleted one True (Staffeln: unknown ids may be deleted)', async (t) => {
  const { app } = await fixture(t)
  for (const method of ['POST', 'GET'] as const) {
    const tracked = await app.inject({ method, url: `/v1/backup?backup_id=${TRACKED}` })
    assert.equal(tracked.statusCode, 200)
    assert.equal(tracked.body, 'False')
    assert.match(String(tracked.headers['content-type']), /^text\/plain/)
    const unknown = await app.inject({ method, url: `/v1/backup?backup_id=${UNKNOWN}` })
    assert.equal(unknown.statusCode, 200)
    assert.equal(unknown.body, 'True')
    const deleted = await app.inject({ method, url: `/v1/backup?backup_id=${DELETED}` })
    assert.equal(deleted.body, 'True')
  }
})

test('HEAD answers as GET does, without a body; a percent-encoded id is decoded before it is looked up', async (t) => {
  const { app } = await fixture(t)
  const head = await app.inject({ method: 'HEAD', url: `/v1/backup?backup_id=${TRACKED}` })
  assert.deepEqual([head.statusCode, head.body, head.headers['content-length']], [200, '', '5'])
  const encoded = TRACKED.replace(/-/g, '%2D')
  assert.equal((await app.inject({ method: 'POST', url: `/v1/backup?other=1&backup_id=${encoded}&x` })).body, 'False')
})

test('a body sent in chunks is read whole; one over the limit answers 413 and the connection still serves the next check', async (t) => {
  const { server, base } = await fixture(t)
  const { payload, headers } = form({ id: TRACKED, metadata: { 'x-snapwarden-hold': 'false' } })
  const client = new Pool(base, { connections: 1 })
  t.after(() => client.close())
  let connections = 0
  server.server.on('connection', () => connections++)
  // No content-length: chunked transfer encoding, one chunk per 100 bytes.
  const pieces = payload.match(/.{1,100}/gs)!
  const chunked = await client.request({ method: 'POST', path: `/v1/backup?backup_id=${TRACKED}`, headers, body: Readable.from(pieces) })
  assert.deepEqual([chunked.statusCode, await chunked.body.text()], [200, 'False'])
  const big = await client.request({ method: 'POST', path: `/v1/backup?backup_id=${UNKNOWN}`, headers, body: Readable.from(Array.from({ length: 70 }, () => 'x'.repeat(1024))) })
  assert.deepEqual([big.statusCode, await big.body.text()], [413, 'False'])
  const after = await client.request({ method: 'POST', path: `/v1/backup?backup_id=${UNKNOWN}`, ...form({ id: UNKNOWN }) })
  assert.deepEqual([after.statusCode, await after.body.text()], [200, 'True'])
  assert.equal(connections, 1, 'one connection served all three')
})

test('a check in flight when close() is called is answered, with its connection closed, and close() then resolves', async (t) => {
  const { server, base } = await fixture(t)
  const { payload } = form({ id: UNKNOWN })
  const socket = connect(Number(new URL(base).port), '127.0.0.1')
  t.after(() => socket.destroy())
  let received = ''
  socket.setEncoding('latin1').on('data', (d: string) => (received += d))
  const ended = new Promise<void>((resolve) => socket.on('end', resolve))
  // The request's head and half its body: the server is reading it when close() is called (its
  // `100 Continue` says it has read the head).
  const head = `POST /v1/backup?backup_id=${UNKNOWN} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nExpect: 100-continue\r\nContent-Length: ${payload.length}\r\n\r\n`
  const arrived = new Promise<void>((resolve) => socket.on('data', () => received.includes('\r\n\r\n') && resolve()))
  socket.write(head + payload.slice(0, 100))
  await arrived
  assert.match(received, /^HTTP\/1\.1 100 Continue\r\n\r\n$/)
  received = ''
  const closed = server.close()
  socket.write(payload.slice(100))
  // Without `connection: close` the keep-alive connection would hold close() for its 72 s timeout.
  await closed
  await ended
  assert.match(received, /^HTTP\/1\.1 200 /)
  assert.match(received, /\r\nconnection: close\r\n/i)
  assert.ok(received.endsWith('\r\n\r\nTrue'), received)
})

test('a body declared far over the limit is refused at once: False with 413, the connection closed, nothing read', async (t) => {
  const { base, lines } = await fixture(t)
  const socket = connect(Number(new URL(base).port), '127.0.0.1')
  t.after(() => socket.destroy())
  let received = ''
  socket.setEncoding('latin1').on('data', (d: string) => (received += d))
  const closed = new Promise<void>((resolve) => socket.on('end', () => resolve()))
  // 2 MB announced, none sent: reading it first would wait for ever.
  socket.write(`POST /v1/backup?backup_id=${UNKNOWN} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 2000000\r\n\r\n`)
  await closed
  assert.match(received, /^HTTP\/1\.1 413 /)
  assert.match(received, /\r\nconnection: close\r\n/i)
  assert.ok(received.endsWith('\r\n\r\nFalse'), received)
  assert.match(String(lines.find((l) => l.level === 'warn')?.obj.reason), /2000000 bytes; accepted: at most 65536/)
})

test('a request that is not readable HTTP answers False with 400 and a log line', async (t) => {
  const { base, lines } = await fixture(t)
  for (const garbage of ['NOT HTTP AT ALL\r\n\r\n', `POST /v1/backup?backup_id=${UNKNOWN} HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n`]) {
    const before = lines.length
    const socket = connect(Number(new URL(base).port), '127.0.0.1')
    let received = ''
    socket.setEncoding('latin1').on('data', (d: string) => (received += d))
    await new Promise<void>((resolve) => socket.on('close', () => resolve()).write(garbage))
    assert.match(received, /^HTTP\/1\.1 400 /, JSON.stringify(garbage))
    assert.ok(received.endsWith('\r\n\r\nFalse'), received)
    const warned = lines.slice(before).filter((l) => l.level === 'warn')
    assert.equal(warned.length, 1, JSON.stringify(garbage))
    assert.equal(warned[0]!.obj.code, 'API_BAD_REQUEST')
  }
})

test("oslo.policy's form and JSON bodies are read, and a target naming the same backup is accepted", async (t) => {
  const { app } = await fixture(t)
  for (const encode of [form, json]) {
    const tracked = await app.inject({ method: 'POST', url: `/v1/backup?backup_id=${TRACKED}`, ...encode({ id: TRACKED, project_id: 'p-1', metadata: {} }) })
    assert.deepEqual([tracked.statusCode, tracked.body], [200, 'False'], encode.name)
    const unknown = await app.inject({ method: 'POST', url: `/v1/backup?backup_id=${UNKNOWN}`, ...encode({ id: UNKNOWN, project_id: 'p-1', metadata: null }) })
    assert.deepEqual([unknown.statusCode, unknown.body], [200, 'True'], encode.name)
  }
})

test("a target whose backup id is not the URL's answers False with 400 and a log line", async (t) => {
  const { app, lines } = await fixture(t)
  for (const encode of [form, json]) {
    const res = await app.inject({ method: 'POST', url: `/v1/backup?backup_id=${UNKNOWN}`, ...encode({ id: TRACKED }) })
    assert.deepEqual([res.statusCode, res.body], [400, 'False'], encode.name)
  }
  const warned = lines.filter((l) => l.level === 'warn')
  assert.equal(warned.length, 2)
  assert.match(String(warned[0]!.obj.reason), /target's id .* is not the backup_id of the URL/)
  assert.equal(warned[0]!.obj.code, 'API_BAD_REQUEST')
})

test('a hold (x-snapwarden-hold=true, any case) in the target protects any backup or snapshot; false does not; an unreadable value holds', async (t) => {
  const { app, lines } = await fixture(t)
  const cases: [string, string, string][] = [
    ['true', 'False', 'held'],
    ['TRUE', 'False', 'held'],
    [' True ', 'False', 'held'],
    ['false', 'True', 'not held'],
    ['yes', 'False', 'unreadable: held'],
    ['', 'False', 'unreadable: held'],
  ]
  for (const [value, answer, why] of cases) {
    for (const kind of ['backup', 'snapshot']) {
      for (const encode of [form, json]) {
        const res = await app.inject({
          method: 'POST',
          url: `/v1/${kind}?${kind}_id=${UNKNOWN}`,
          ...encode({ id: UNKNOWN, metadata: { 'x-snapwarden-hold': value, other: 'x' } }),
        })
        assert.deepEqual([res.statusCode, res.body], [200, answer], `${kind} ${encode.name} hold=${JSON.stringify(value)} (${why})`)
      }
    }
  }
  assert.equal(lines.filter((l) => l.level === 'warn' || l.level === 'error').length, 0)
  const noHold = await app.inject({ method: 'POST', url: `/v1/snapshot?snapshot_id=${UNKNOWN}`, ...form({ id: UNKNOWN, metadata: { 'x-snapwarden-managed': 'true' } }) })
  assert.equal(noHold.body, 'True')
  // A tracked backup stays protected when its hold is lifted.
  const lifted = await app.inject({ method: 'POST', url: `/v1/backup?backup_id=${TRACKED}`, ...form({ id: TRACKED, metadata: { 'x-snapwarden-hold': 'false' } }) })
  assert.equal(lifted.body, 'False')
})

test('a malformed request answers False with a 4xx status and a log line, never True', async (t) => {
  const { app, lines } = await fixture(t)
  const url = `/v1/backup?backup_id=${UNKNOWN}`
  const formHeaders = { 'content-type': 'application/x-www-form-urlencoded' }
  const cases: { name: string; status: number; req: Ask }[] = [
    { name: 'no backup_id', status: 400, req: { method: 'POST', url: '/v1/backup' } },
    { name: 'empty backup_id', status: 400, req: { method: 'POST', url: '/v1/backup?backup_id=' } },
    { name: 'backup_id twice', status: 400, req: { method: 'POST', url: `${url}&backup_id=${TRACKED}` } },
    { name: 'backup_id with a space', status: 400, req: { method: 'POST', url: '/v1/backup?backup_id=a%20b' } },
    { name: 'target not JSON', status: 400, req: { method: 'POST', url, headers: formHeaders, payload: 'target=%7Bnot-json' } },
    { name: 'target twice', status: 400, req: { method: 'POST', url, headers: formHeaders, payload: `target=${encodeURIComponent('{}')}&target=${encodeURIComponent('{}')}` } },
    { name: 'target not an object', status: 400, req: { method: 'POST', url, headers: formHeaders, payload: `target=${encodeURIComponent('[1]')}` } },
    { name: 'metadata not an object', status: 400, req: { method: 'POST', url, ...json({ id: UNKNOWN, metadata: 'x-snapwarden-hold=true' }) } },
    { name: 'target id not a string', status: 400, req: { method: 'POST', url, ...json({ id: 7 }) } },
    { name: 'JSON body not JSON', status: 400, req: { method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: '{"target":' } },
    { name: 'JSON body an array', status: 400, req: { method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: '[]' } },
    { name: 'other content type', status: 415, req: { method: 'POST', url, headers: { 'content-type': 'text/xml' }, payload: '<target/>' } },
    { name: 'body over 64 KiB', status: 413, req: { method: 'POST', url, headers: formHeaders, payload: `rule=${'x'.repeat(70_000)}` } },
    { name: 'method not served', status: 405, req: { method: 'DELETE', url } },
    { name: 'unknown path', status: 404, req: { method: 'POST', url: `/v1/backups?backup_id=${UNKNOWN}` } },
  ]
  for (const c of cases) {
    const before = lines.length
    const res = await app.inject(c.req)
    assert.deepEqual([res.statusCode, res.body], [c.status, 'False'], c.name)
    const logged = lines.slice(before).filter((l) => l.level === 'warn')
    assert.equal(logged.length, 1, `${c.name}: one log line`)
  }
})

test('a store that cannot be read answers False with 503 and an error log line, and answers again once it can', async (t) => {
  const { app, lines, path } = await fixture(t)
  const url = `/v1/backup?backup_id=${UNKNOWN}`
  assert.equal((await app.inject({ method: 'POST', url })).body, 'True')
  // The table is gone (a broken or foreign database): the prepared statement cannot run.
  const other = new Database(path)
  other.exec('alter table backups rename to backups_gone')
  const gone = await app.inject({ method: 'POST', url })
  assert.deepEqual([gone.statusCode, gone.body], [503, 'False'])
  const err = lines.find((l) => l.level === 'error')
  assert.ok(err, 'an error line is logged')
  assert.equal(err.obj.code, 'STORE_UNAVAILABLE')
  assert.match(String(err.obj.reason), /cannot be read|unavailable/)
  // Repaired: the reader opens it again.
  other.exec('alter table backups_gone rename to backups')
  other.close()
  assert.equal((await app.inject({ method: 'POST', url })).body, 'True')
  assert.equal((await app.inject({ method: 'POST', url: `/v1/backup?backup_id=${TRACKED}` })).body, 'False')
})

test('GET /v1/health answers True while the store can be read and False with 503 when not (Staffeln\'s health check)', async (t) => {
  const { app, path } = await fixture(t)
  const ok = await app.inject({ method: 'GET', url: '/v1/health' })
  assert.deepEqual([ok.statusCode, ok.body], [200, 'True'])
  const other = new Database(path)
  other.exec('drop table backups')
  other.close()
  const down = await app.inject({ method: 'GET', url: '/v1/health' })
  assert.deepEqual([down.statusCode, down.body], [503, 'False'])
})

test('a store file that is missing or not a database answers False with 503', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'swtest-protect-bad-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const garbage = join(dir, 'garbage.sqlite')
  writeFileSync(garbage, 'this is not a SQLite database, it is only text that is long enough to have a header'.repeat(20))
  for (const url of [`sqlite:${join(dir, 'missing.sqlite')}`, `sqlite:${garbage}`]) {
    const reader = openTrackedBackupReader(url)
    const { logger, lines } = recordingLogger()
    const app = buildProtectionApp({ lookup: reader, logger })
    const res = await (await asker(app))({ method: 'POST', url: `/v1/backup?backup_id=${UNKNOWN}`, ...form({ id: UNKNOWN, metadata: {} }) })
    assert.deepEqual([res.statusCode, res.body], [503, 'False'], url)
    assert.equal(lines.filter((l) => l.level === 'error').length, 1, url)
    await app.close()
    await reader.close()
  }
})

test('a PostgreSQL store that cannot be reached answers False with 503, naming it without its password', async (t) => {
  // Port 9 on loopback: nothing listens there (connection refused at once).
  const reader = openTrackedBackupReader('postgres://snapwarden:s3cret-pw@127.0.0.1:9/snapwarden', { timeoutMs: 2000 })
  const { logger, lines } = recordingLogger()
  const app = buildProtectionApp({ lookup: reader, logger })
  t.after(async () => {
    await app.close()
    await reader.close()
  })
  const res = await (await asker(app))({ method: 'POST', url: `/v1/backup?backup_id=${UNKNOWN}` })
  assert.deepEqual([res.statusCode, res.body], [503, 'False'])
  const text = JSON.stringify(lines)
  assert.doesNotMatch(text, /s3cret-pw/)
  assert.match(text, /127\.0\.0\.1:9/)
})
