import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { CloudConfig } from './config/cloud-config.ts'
import { connect } from './connection.ts'
import { NoEndpointError } from './core/errors.ts'
import { TOKEN_RESPONSE } from './identity/v3/tokens/testing/fixtures.ts'
import { FakeServer } from './testhelper/fake-server.ts'

const PROJECT = '7a6fdb06c99e4419b423b36a1e358df8'
const CINDER_ROOT = {
  versions: [
    {
      id: 'v3.0',
      status: 'CURRENT',
      version: '3.70',
      min_version: '3.0',
      updated: '2022-08-31T00:00:00Z',
      links: [{ rel: 'self', href: 'http://127.0.0.1:8776/v3/' }],
    },
  ],
}
const NOVA_V21 = {
  version: { id: 'v2.1', status: 'CURRENT', version: '2.93', min_version: '2.1', updated: '2013-07-23T11:33:21Z', links: [] },
}

let server: FakeServer

function tokenBody(dropTypes: string[] = []): unknown {
  const text = JSON.stringify(TOKEN_RESPONSE).replace(/http:\/\/127\.0\.0\.1:\d+/g, server.url)
  const body = JSON.parse(text) as { token: { catalog: { type: string; endpoints: { interface: string; url: string }[] }[] } }
  body.token.catalog = body.token.catalog.filter((e) => !dropTypes.includes(e.type))
  // Mark internal endpoints so the test can see which interface was chosen.
  for (const e of body.token.catalog) for (const ep of e.endpoints) if (ep.interface === 'internal') ep.url = ep.url.replace(server.url, `${server.url}/internal`)
  return body
}

function config(iface: 'public' | 'internal' = 'public'): CloudConfig {
  return new CloudConfig({
    name: 'fake',
    source: 'test',
    authType: 'password',
    authUrl: `${server.url}/v3`,
    auth: { method: 'password', username: 'admin', userDomainName: 'Default', password: 'pw', scope: { projectId: PROJECT } },
    regionName: 'RegionOne',
    interface: iface,
    verify: true,
  })
}

before(async () => {
  server = await FakeServer.start()
  server.on('GET /', { status: 300, body: CINDER_ROOT })
  server.on('GET /v2.1/', { body: NOVA_V21 })
})
after(async () => {
  await server.close()
})

describe('connect', () => {
  test('finds Cinder and Nova in the catalog and negotiates their microversions', async () => {
    server.on('POST /v3/auth/tokens', { status: 201, body: tokenBody(), headers: { 'x-subject-token': 'tok' } })
    const conn = await connect(config())
    try {
      assert.equal(conn.blockStorage.endpoint, `${server.url}/v3/${PROJECT}/`)
      assert.equal(conn.blockStorage.microversion, '3.70')
      assert.equal(conn.compute.endpoint, `${server.url}/v2.1/`)
      assert.equal(conn.compute.microversion, '2.93')
      assert.equal(conn.identity.endpoint, `${server.url}/v3/`)
      assert.equal(server.calls('GET /v2.1/').at(-1)?.headers['x-auth-token'], 'tok')
    } finally {
      await conn.close()
    }
  })

  test('a lower configured maximum microversion wins', async () => {
    server.on('POST /v3/auth/tokens', { status: 201, body: tokenBody(), headers: { 'x-subject-token': 'tok' } })
    const conn = await connect(config(), { maxMicroversions: { blockStorage: '3.43' } })
    try {
      assert.equal(conn.blockStorage.microversion, '3.43')
    } finally {
      await conn.close()
    }
  })

  test('the interface from the config selects the internal endpoints', async () => {
    server.on('POST /v3/auth/tokens', { status: 201, body: tokenBody(['compute']), headers: { 'x-subject-token': 'tok' } })
    server.on('GET /internal/', { status: 300, body: CINDER_ROOT })
    const conn = await connect(config('internal'))
    try {
      assert.equal(conn.blockStorage.endpoint, `${server.url}/internal/v3/${PROJECT}/`)
      assert.throws(() => conn.compute.endpoint, (e: unknown) => e instanceof NoEndpointError && e.code === 'OS_NO_ENDPOINT')
    } finally {
      await conn.close()
    }
  })
})
