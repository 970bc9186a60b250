import assert from 'node:assert/strict'
import { after, afterEach, before, describe, test } from 'node:test'
import { TOKEN_RESPONSE } from '../identity/v3/tokens/testing/fixtures.ts'
import { FakeServer } from '../testhelper/fake-server.ts'
import { UnauthorizedError } from './errors.ts'
import { ProviderClient } from './provider-client.ts'
import { HttpTransport } from './request.ts'
import { ServiceClient } from './service-client.ts'

const EXPIRES = '2026-11-22T05:57:05.000000Z'
let server: FakeServer
let transport: HttpTransport
let issued = 0

before(async () => {
  server = await FakeServer.start()
  transport = new HttpTransport()
})
afterEach(() => {
  server.requests.length = 0
  slept.length = 0
})
after(async () => {
  await transport.close()
  await server.close()
})

function keystone(): void {
  server.on('POST /v3/auth/tokens', () => {
    issued++
    return { status: 201, body: TOKEN_RESPONSE, headers: { 'x-subject-token': `tok-${issued}` } }
  })
}

/** Sleeps recorded instead of waited (the retry policy's injected sleep). */
const slept: number[] = []

function provider(now: () => Date = () => new Date('2026-11-22T02:00:00Z')): ProviderClient {
  return new ProviderClient({
    transport,
    identityUrl: `${server.url}/v3`,
    auth: { method: 'password', username: 'admin', userDomainName: 'Default', password: 'pw-never-shown' },
    clock: { now },
    retry: { sleep: async (ms) => void slept.push(ms), random: () => 0.5 },
  })
}

/** Keystone answering these statuses first (with these headers), then issuing tokens. */
function keystoneFailingFirst(replies: { status: number; headers?: Record<string, string> }[]): void {
  const queue = [...replies]
  server.on('POST /v3/auth/tokens', () => {
    const next = queue.shift()
    if (next) return { status: next.status, body: { error: { code: next.status, message: 'An unexpected error prevented the server from fulfilling your request.' } }, headers: next.headers ?? {} }
    issued++
    return { status: 201, body: TOKEN_RESPONSE, headers: { 'x-subject-token': `tok-${issued}` } }
  })
}

describe('ProviderClient', () => {
  test('concurrent first requests share one authentication', async () => {
    keystone()
    server.on('GET /svc/ping', { body: { ok: true } })
    const p = provider()
    const svc = new ServiceClient(p, `${server.url}/svc`, { serviceType: 'x' })
    await Promise.all(Array.from({ length: 8 }, () => svc.get(svc.url('ping'))))
    assert.equal(server.calls('POST /v3/auth/tokens').length, 1)
    assert.equal(p.authCount, 1)
    assert.ok(server.calls('GET /svc/ping').every((r) => r.headers['x-auth-token'] === p.token?.id))
  })

  test('a 401 re-authenticates once for all callers and retries each request once', async () => {
    keystone()
    const p = provider()
    await p.authenticate()
    const stale = p.token?.id
    server.on('GET /svc/thing', (req) => (req.headers['x-auth-token'] === stale ? { status: 401, body: { error: { message: 'expired' } } } : { body: { ok: 1 } }))
    const svc = new ServiceClient(p, `${server.url}/svc`, { serviceType: 'x' })
    await Promise.all(Array.from({ length: 4 }, () => svc.get(svc.url('thing'))))
    assert.equal(p.authCount, 2)
    assert.notEqual(p.token?.id, stale)
    assert.equal(server.calls('GET /svc/thing').length, 8)
  })

  test('a second 401 after re-authentication is thrown, not retried again', async () => {
    keystone()
    server.on('GET /svc/denied', { status: 401, body: { error: { code: 401, message: 'The request you have made requires authentication.' } } })
    const p = provider()
    const svc = new ServiceClient(p, `${server.url}/svc`, { serviceType: 'x' })
    await assert.rejects(svc.get(svc.url('denied')), (err: unknown) => err instanceof UnauthorizedError && err.code === 'OS_UNAUTHORIZED')
    assert.equal(server.calls('GET /svc/denied').length, 2)
    assert.equal(p.authCount, 2)
  })

  test('the token is renewed within a minute of its expiry by the injected clock', async () => {
    keystone()
    let now = new Date('2026-11-22T05:55:00Z')
    const p = provider(() => now)
    const first = await p.authenticate()
    assert.equal(first.expiresAt.toISOString(), new Date(EXPIRES).toISOString())
    assert.equal(await p.authenticate(), first)
    now = new Date('2026-11-22T05:56:06Z')
    const second = await p.authenticate()
    assert.notEqual(second.id, first.id)
    assert.equal(p.authCount, 2)
  })

  test('failed authentication names Keystone url and status but never the password', async () => {
    server.on('POST /v3/auth/tokens', { status: 401, body: { error: { code: 401, message: 'The request you have made requires authentication.', title: 'Unauthorized' } } })
    const err = await provider().authenticate().catch((e: unknown) => e)
    assert.ok(err instanceof UnauthorizedError)
    assert.match(err.message, /POST http:\/\/127\.0\.0\.1:\d+\/v3\/auth\/tokens: HTTP 401 The request you have made requires authentication/)
    assert.ok(!err.message.includes('pw-never-shown'))
    assert.ok(!JSON.stringify(err).includes('pw-never-shown'))
  })

  test('a 500 to the token request is retried after a backoff, and the request it carried goes through', async () => {
    keystoneFailingFirst([{ status: 500 }])
    server.on('GET /svc/ping', { body: { ok: true } })
    const p = provider()
    const svc = new ServiceClient(p, `${server.url}/svc`, { serviceType: 'x' })
    await svc.get(svc.url('ping'))
    assert.equal(server.calls('POST /v3/auth/tokens').length, 2)
    assert.deepEqual(slept, [500], 'one backoff of base·random (1000 ms · 0.5)')
    assert.equal(server.calls('GET /svc/ping').length, 1)
  })

  test('a 429 to the token request waits as long as Retry-After asks; 502, 503 and 504 are retried with growing backoff', async () => {
    keystoneFailingFirst([{ status: 429, headers: { 'retry-after': '7' } }, { status: 502 }, { status: 503 }, { status: 504 }])
    const token = await provider().authenticate()
    assert.ok(token.id.startsWith('tok-'))
    assert.deepEqual(slept, [7000, 1000, 2000, 4000])
  })

  test('authentication gives up after five attempts with the last transient error', async () => {
    keystoneFailingFirst(Array.from({ length: 6 }, () => ({ status: 503 })))
    const err = await provider().authenticate().catch((e: unknown) => e)
    assert.equal((err as { status?: number }).status, 503, String(err))
    assert.equal(server.calls('POST /v3/auth/tokens').length, 5)
    assert.equal(slept.length, 4)
  })

  test('a 401 to the token request (wrong password) is not retried', async () => {
    keystoneFailingFirst([{ status: 401 }])
    await assert.rejects(provider().authenticate(), (e: unknown) => e instanceof UnauthorizedError)
    assert.equal(server.calls('POST /v3/auth/tokens').length, 1)
    assert.deepEqual(slept, [])
  })
})
