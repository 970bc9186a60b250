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
import { LoopbackProxy } from '../testhelper/loopback-proxy.ts'
import { proxyFromEnv } from './proxy-env.ts'
import { DEFAULT_API_TIMEOUT_MS, HttpTransport, type RequestEvent } from './request.ts'

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

  test('without a configured timeout the default applies: a silent endpoint cannot hold a call forever', () => {
    assert.equal(DEFAULT_API_TIMEOUT_MS, 60_000)
    assert.equal(transport.timeoutMs, DEFAULT_API_TIMEOUT_MS)
    assert.equal(new HttpTransport({ timeoutMs: 1500 }).timeoutMs, 1500)
  })

  test('an answer whose body stalls past the api timeout is a TimeoutError too', async () => {
    const stalling = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write('{"volumes": [')
    })
    await new Promise<void>((r) => stalling.listen(0, '127.0.0.1', r))
    const quick = new HttpTransport({ timeoutMs: 100 })
    try {
      const url = `http://127.0.0.1:${(stalling.address() as AddressInfo).port}/stall`
      const err = await quick.send({ method: 'GET', url }).catch((e: unknown) => e)
      assert.ok(err instanceof TimeoutError, String(err))
      assert.match(err.message, /no answer within 100 ms/)
    } finally {
      await quick.close()
      stalling.closeAllConnections()
      await new Promise<void>((r) => stalling.close(() => r()))
    }
  })

  test('an aborted signal rejects with the abort reason, not a typed API error', async () => {
    server.on('GET /ok', { body: {} })
    const ac = new AbortController()
    ac.abort(new Error('cancelled by caller'))
    await assert.rejects(transport.send({ method: 'GET', url: `${server.url}/ok`, signal: ac.signal }), /cancelled by caller/)
  })

  test('a request cancelled while it waits for a busy connection rejects at once with the reason', async () => {
    const hanging = createServer(() => {})
    await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r))
    const one = new HttpTransport({ connections: 1, timeoutMs: 30_000 })
    try {
      const url = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/hang`
      const first = new AbortController()
      const holding = one.send({ method: 'GET', url, signal: first.signal }).catch((e: unknown) => e)
      const ac = new AbortController()
      const queued = one.send({ method: 'GET', url, signal: ac.signal }).catch((e: unknown) => e)
      ac.abort(new Error('run stopped'))
      const err = await queued
      assert.match(String(err), /run stopped/)
      first.abort(new Error('done'))
      assert.match(String(await holding), /done/)
    } finally {
      await one.close()
      hanging.closeAllConnections()
      await new Promise<void>((r) => hanging.close(() => r()))
    }
  })

  test('24 requests in flight on one signal print no listener warning, and its abort cancels every one', async () => {
    const hanging = createServer(() => {})
    await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r))
    const many = new HttpTransport({ connections: 24, timeoutMs: 30_000 })
    const warnings: Error[] = []
    const onWarning = (w: Error): void => void warnings.push(w)
    process.on('warning', onWarning)
    try {
      const url = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/hang`
      const ac = new AbortController()
      const sent = Array.from({ length: 24 }, () => many.send({ method: 'GET', url, signal: ac.signal }).catch((e: unknown) => e))
      // Node emits its warning on the next tick of the listener that passed the limit.
      await new Promise((r) => setImmediate(r))
      ac.abort(new Error('cycle stopped'))
      for (const err of await Promise.all(sent)) assert.match(String(err), /cycle stopped/)
      await new Promise((r) => setImmediate(r))
      assert.deepEqual(warnings.map((w) => w.name), [])
    } finally {
      process.off('warning', onWarning)
      await many.close()
      hanging.closeAllConnections()
      await new Promise<void>((r) => hanging.close(() => r()))
    }
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
  test("a listing's item reader gets each item of the page; its throw fails the request (counted) with its own error", async () => {
    const s = await FakeServer.start()
    const seen: RequestEvent[] = []
    const t = new HttpTransport({ onRequest: (e) => seen.push(e) })
    try {
      const volumes = Array.from({ length: 3000 }, (_, k) => ({ id: `v${k}`, name: `volume ${k} ${'x'.repeat(40)}` }))
      s.on('GET /volumes', { body: { volumes, volumes_links: [] } })
      const res = await t.send({ method: 'GET', url: `${s.url}/volumes`, items: { key: 'volumes', take: (raw) => (raw as { id: string }).id } })
      assert.deepEqual(res.body, { volumes: volumes.map((v) => v.id), volumes_links: [] })
      const bad = new Error('volume v7: no size')
      const take = (raw: unknown): unknown => {
        if ((raw as { id: string }).id === 'v7') throw bad
        return raw
      }
      const err = await t.send({ method: 'GET', url: `${s.url}/volumes`, items: { key: 'volumes', take } }).catch((e: unknown) => e)
      assert.equal(err, bad)
      assert.deepEqual(
        seen.map((e) => e.status),
        [200, 200],
      )
      // An error answer is the typed API error, whatever the reader would say.
      s.on('GET /gone', { status: 404, body: { itemNotFound: { code: 404, message: 'gone' } } })
      const notFound = await t.send({ method: 'GET', url: `${s.url}/gone`, items: { key: 'itemNotFound', take } }).catch((e: unknown) => e)
      assert.equal((notFound as { status?: number }).status, 404)
    } finally {
      await t.close()
      await s.close()
    }
  })

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

describe('HttpTransport through a proxy (HTTP_PROXY, HTTPS_PROXY, NO_PROXY)', () => {
  test('HTTP_PROXY carries every http:// request as an absolute-URI request; NO_PROXY sends them directly', async () => {
    const proxy = await LoopbackProxy.start()
    const target = await FakeServer.start()
    target.on('GET /v3', { body: { version: { id: 'v3.14' } } })
    const proxied = new HttpTransport({ proxy: proxyFromEnv({ HTTP_PROXY: proxy.url }) })
    const direct = new HttpTransport({ proxy: proxyFromEnv({ HTTP_PROXY: proxy.url, NO_PROXY: 'localhost,127.0.0.1' }) })
    try {
      for (let i = 0; i < 3; i++) assert.deepEqual((await proxied.send({ method: 'GET', url: `${target.url}/v3` })).body, { version: { id: 'v3.14' } })
      assert.deepEqual(proxy.requests.map((r) => `${r.method} ${r.target}`), Array(3).fill(`GET ${target.url}/v3`))
      await direct.send({ method: 'GET', url: `${target.url}/v3` })
      assert.equal(proxy.requests.length, 3, 'NO_PROXY=127.0.0.1 still went through the proxy')
      assert.equal(target.calls('GET /v3').length, 4)
    } finally {
      await proxied.close()
      await direct.close()
      await target.close()
      await proxy.close()
    }
  })

  test('HTTPS_PROXY tunnels https:// requests with CONNECT, with the credentials of its URL; HTTP_PROXY alone does not', async () => {
    const proxy = await LoopbackProxy.start({ refuseConnect: 403 })
    const closed = createServer()
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((r) => closed.close(() => r()))
    const withAuth = proxy.url.replace('http://', 'http://ops:pr0xy-pw@')
    const tunnelled = new HttpTransport({ proxy: proxyFromEnv({ https_proxy: withAuth }) })
    const httpOnly = new HttpTransport({ proxy: proxyFromEnv({ HTTP_PROXY: proxy.url }) })
    try {
      const err = await tunnelled.send({ method: 'GET', url: `https://127.0.0.1:${port}/v3` }).catch((e: unknown) => e)
      assert.ok(err instanceof NetworkError, String(err))
      assert.ok(!err.message.includes('pr0xy-pw'), err.message)
      assert.deepEqual(proxy.requests.map((r) => `${r.method} ${r.target}`), [`CONNECT 127.0.0.1:${port}`])
      assert.equal(proxy.requests[0]?.proxyAuthorization, `Basic ${Buffer.from('ops:pr0xy-pw').toString('base64')}`)
      const direct = await httpOnly.send({ method: 'GET', url: `https://127.0.0.1:${port}/v3` }).catch((e: unknown) => e)
      assert.ok(direct instanceof NetworkError && /ECONNREFUSED/.test(direct.message), String(direct))
      assert.equal(proxy.requests.length, 1, 'an https:// request used HTTP_PROXY')
    } finally {
      await tunnelled.close()
      await httpOnly.close()
      await proxy.close()
    }
  })
})
