// connect() retries its own calls (authentication, version discovery) on transient errors, as the
// cycles retry every other call: one 500 from Keystone must not fail a whole `run`.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { CloudConfig } from './config/cloud-config.ts'
import { connect } from './connection.ts'
import { TOKEN_RESPONSE } from './identity/v3/tokens/testing/fixtures.ts'
import { FakeServer } from './testhelper/fake-server.ts'

const PROJECT = '7a6fdb06c99e4419b423b36a1e358df8'
const CINDER_ROOT = { versions: [{ id: 'v3.0', status: 'CURRENT', version: '3.70', min_version: '3.0', links: [] }] }
const NOVA_V21 = { version: { id: 'v2.1', status: 'CURRENT', version: '2.93', min_version: '2.1', links: [] } }

let server: FakeServer
before(async () => {
  server = await FakeServer.start()
  server.on('GET /', { status: 300, body: CINDER_ROOT })
})
after(async () => {
  await server.close()
})

function config(): CloudConfig {
  return new CloudConfig({
    name: 'fake',
    source: 'test',
    authType: 'password',
    authUrl: `${server.url}/v3`,
    auth: { method: 'password', username: 'admin', userDomainName: 'Default', password: 'pw', scope: { projectId: PROJECT } },
    regionName: 'RegionOne',
    interface: 'public',
    verify: true,
  })
}

/** Answers `status` to the first `failures` calls, then `ok`. */
function failingFirst(failures: number, status: number, ok: () => { status?: number; body: unknown; headers?: Record<string, string> }) {
  let calls = 0
  return () => (++calls <= failures ? { status, body: { error: { code: status, message: 'Service Unavailable' } } } : ok())
}

test('connect retries a 500 on the token request and a 503 on version discovery, sleeping on the injected sleep', async () => {
  const token = JSON.parse(JSON.stringify(TOKEN_RESPONSE).replace(/http:\/\/127\.0\.0\.1:\d+/g, server.url)) as unknown
  server.on('POST /v3/auth/tokens', failingFirst(1, 500, () => ({ status: 201, body: token, headers: { 'x-subject-token': 'tok' } })))
  server.on('GET /v2.1/', failingFirst(1, 503, () => ({ body: NOVA_V21 })))
  const slept: number[] = []
  const retries: string[] = []
  const conn = await connect(config(), {
    // The fixture's token expires 2026-11-22T05:57:05Z: a clock before it keeps the token valid.
    clock: { now: () => new Date('2026-11-22T02:00:00Z') },
    retry: { sleep: async (ms) => void slept.push(ms), random: () => 0.5, onRetry: (e) => retries.push(`${e.what} #${e.attempt}`) },
  })
  try {
    assert.equal(await conn.compute.ready(), '2.93')
    assert.equal(conn.blockStorage.microversion, '3.70')
    assert.deepEqual(retries, ['authentication #1', `version discovery of ${server.url}/v2.1 #1`])
    assert.deepEqual(slept, [500, 500])
    assert.equal(server.calls('POST /v3/auth/tokens').length, 2)
  } finally {
    await conn.close()
  }
})
