import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { FakeServer } from '../testhelper/fake-server.ts'
import {
  ConflictError,
  isTransient,
  NetworkError,
  OverLimitError,
  retryAfterMs,
  TimeoutError,
  TooManyRequestsError,
} from './errors.ts'
import { HttpTransport, type RequestEvent } from './request.ts'

let server: FakeServer
const events: RequestEvent[] = []
let transport: HttpTransport

before(async () => {
  server = await FakeServer.start()
  transport = new HttpTransport({ onRequest: (e) => events.push(e) })
})
after(async () => {
  await transport.close()
  await server.close()
})

describe('HttpTransport', () => {
  test('a Cinder 413 overLimit is a permanent OverLimitError with the API message', async () => {
    server.on('POST /v3/p/snapshots', {
      status: 413,
      body: { overLimit: { code: 413, message: 'SnapshotLimitExceeded: Maximum number of snapshots allowed (10) exceeded', retryAfter: '0' } },
    })
    const err = await transport.send({ method: 'POST', url: `${server.url}/v3/p/snapshots`, json: {}, okCodes: [202] }).catch((e: unknown) => e)
    assert.ok(err instanceof OverLimitError)
    assert.equal(err.code, 'OS_OVER_LIMIT')
    assert.match(err.message, /Maximum number of snapshots allowed \(10\) exceeded/)
    assert.equal(isTransient(err), false)
  })

  test('a Nova 409 conflictingRequest is a ConflictError', async () => {
    server.on('POST /v2.1/servers/s/action', { status: 409, body: { conflictingRequest: { code: 409, message: 'Cannot detach' } } })
    const err = await transport.send({ method: 'POST', url: `${server.url}/v2.1/servers/s/action`, json: {} }).catch((e: unknown) => e)
    assert.ok(err instanceof ConflictError)
    assert.equal(err.apiMessage, 'Cannot detach')
  })

  test('429 is transient and Retry-After in seconds or as an HTTP date becomes milliseconds', async () => {
    server.on('GET /slow', { status: 429, body: '', headers: { 'retry-after': '7' } })
    const err = await transport.send({ method: 'GET', url: `${server.url}/slow` }).catch((e: unknown) => e)
    assert.ok(err instanceof TooManyRequestsError)
    assert.equal(err.code, 'OS_OVER_LIMIT')
    assert.equal(isTransient(err), true)
    assert.equal(retryAfterMs(err), 7000)
    server.on('GET /slow2', { status: 503, headers: { 'retry-after': 'Sun, 22 Nov 2026 02:00:30 GMT' } })
    const err2 = await transport.send({ method: 'GET', url: `${server.url}/slow2` }).catch((e: unknown) => e)
    assert.equal(isTransient(err2), true)
    assert.equal(retryAfterMs(err2, new Date('2026-11-22T02:00:00Z')), 30_000)
  })

  test('statuses are classified: 408/500/502/503/504 transient, 400/403/404/409 permanent', async () => {
    const kinds: Record<number, boolean> = { 400: false, 403: false, 404: false, 409: false, 408: true, 500: true, 502: true, 503: true, 504: true }
    for (const [status, transient] of Object.entries(kinds)) {
      server.on(`GET /s${status}`, { status: Number(status), body: { error: { message: 'x' } } })
      const err = await transport.send({ method: 'GET', url: `${server.url}/s${status}` }).catch((e: unknown) => e)
      assert.equal(isTransient(err), transient, `status ${status}`)
    }
  })

  test('a refused connection is a transient NetworkError', async () => {
    const closed = createServer()
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((r) => closed.close(() => r()))
    const err = await transport.send({ method: 'GET', url: `http://127.0.0.1:${port}/` }).catch((e: unknown) => e)
    assert.ok(err instanceof NetworkError)
    assert.equal(err.code, 'OS_NETWORK')
    assert.match(err.message, /ECONNREFUSED/)
    assert.equal(isTransient(err), true)
  })

  test('no answer within the api timeout is a transient TimeoutError', async () => {
    const hanging = createServer(() => {})
    await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r))
    const quick = new HttpTransport({ timeoutMs: 50 })
    try {
      const url = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/hang`
      const err = await quick.send({ method: 'GET', url }).catch((e: unknown) => e)
      assert.ok(err instanceof TimeoutError)
      assert.equal(err.code, 'OS_TIMEOUT')
      assert.equal(isTransient(err), true)
    } finally {
      await quick.close()
      hanging.closeAllConnections()
      await new Promise<void>((r) => hanging.close(() => r()))
    }
  })

  test('an aborted signal rejects with the abort reason, not a typed API error', async () => {
    server.on('GET /ok', { body: {} })
    const ac = new AbortController()
    ac.abort(new Error('cancelled by caller'))
    await assert.rejects(transport.send({ method: 'GET', url: `${server.url}/ok`, signal: ac.signal }), /cancelled by caller/)
  })

  test('onRequest reports method, url and status of every request', async () => {
    events.length = 0
    server.on('GET /count', { body: { a: 1 } })
    const res = await transport.send({ method: 'GET', url: `${server.url}/count` })
    assert.deepEqual(res.body, { a: 1 })
    assert.equal(events.length, 1)
    assert.equal(events[0]?.method, 'GET')
    assert.equal(events[0]?.url, `${server.url}/count`)
    assert.equal(events[0]?.status, 200)
  })
})

describe('HttpTransport bodies', () => {
  test('a JSON body labelled text/html (Cinder volume metadata) is still parsed', async () => {
    const s = await FakeServer.start()
    const t = new HttpTransport()
    try {
      s.on('GET /md', { body: { metadata: { a: '1' } }, headers: { 'content-type': 'text/html; charset=UTF-8' } })
      assert.deepEqual((await t.send({ method: 'GET', url: `${s.url}/md` })).body, { metadata: { a: '1' } })
    } finally {
      await t.close()
      await s.close()
    }
  })
})
