import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { CloudConfig } from './config/cloud-config.ts'
import { parseCloud } from './config/parse-cloud.ts'
import { connect } from './connection.ts'
import { ConfigError, NoEndpointError, TimeoutError } from './core/errors.ts'
import { LoopbackProxy } from './testhelper/loopback-proxy.ts'
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

function config(iface: 'public' | 'internal' = 'public', regionName = 'RegionOne'): CloudConfig {
  return new CloudConfig({
    name: 'fake',
    source: 'test',
    authType: 'password',
    authUrl: `${server.url}/v3`,
    auth: { method: 'password', username: 'admin', userDomainName: 'Default', password: 'pw', scope: { projectId: PROJECT } },
    regionName,
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
  test('Nova is discovered on its first use, not by connect(); a scoped connection costs one token request and no discovery', async () => {
    server.on('POST /v3/auth/tokens', { status: 201, body: tokenBody(), headers: { 'x-subject-token': 'tok' } })
    const count = (route: string): number => server.calls(route).length
    const before = { nova: count('GET /v2.1/'), cinder: count('GET /'), tokens: count('POST /v3/auth/tokens') }
    const conn = await connect(config())
    try {
      assert.equal(count('GET /v2.1/'), before.nova, 'connect() discovered Nova')
      assert.equal(count('GET /'), before.cinder + 1)
      assert.equal(conn.compute.microversion, undefined)
      const scoped = await conn.scoped(config().withProjectScope('other-project'))
      assert.equal(count('POST /v3/auth/tokens'), before.tokens + 2)
      assert.equal(count('GET /'), before.cinder + 1, 'the scoped connection discovered Cinder again')
      assert.equal(scoped.blockStorage.microversion, '3.70')
      assert.equal(scoped.provider.authCount, 1)
      await scoped.close()
      server.on('GET /v2.1/servers', { body: { servers: [] } })
      await conn.compute.get(conn.compute.url('servers'))
      await conn.compute.get(conn.compute.url('servers'))
      assert.equal(count('GET /v2.1/'), before.nova + 1, 'Nova discovered once, on first use')
      assert.equal(server.calls('GET /v2.1/servers').at(-1)?.headers['openstack-api-version'], 'compute 2.93')
      assert.equal(await scoped.compute.ready(), '2.93')
      assert.equal(count('GET /v2.1/'), before.nova + 1, 'the scoped connection re-uses the negotiated Nova version')
    } finally {
      await conn.close()
    }
  })

  test('finds Cinder and Nova in the catalog and negotiates their microversions', async () => {
    server.on('POST /v3/auth/tokens', { status: 201, body: tokenBody(), headers: { 'x-subject-token': 'tok' } })
    const conn = await connect(config())
    try {
      assert.equal(conn.blockStorage.endpoint, `${server.url}/v3/${PROJECT}/`)
      assert.equal(conn.blockStorage.microversion, '3.70')
      assert.equal(conn.compute.endpoint, `${server.url}/v2.1/`)
      assert.equal(await conn.compute.ready(), '2.93')
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

describe('connect: region, timeout and proxy', () => {
  test('a region_name the catalog lacks is a config error naming it and the regions the catalog has', async () => {
    server.on('POST /v3/auth/tokens', { status: 201, body: tokenBody(), headers: { 'x-subject-token': 'tok' } })
    await assert.rejects(connect(config('public', 'RegionTwo')), (e: unknown) => {
      assert.ok(e instanceof ConfigError && e.code === 'OS_CONFIG', String(e))
      assert.equal(e.message, "test: cloud fake: region_name 'RegionTwo' is not in the catalog; its regions: RegionOne")
      return true
    })
  })

  test("clouds.yaml's timeout bounds every call: a Keystone that never answers fails within it", async () => {
    const silent = createServer(() => {})
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r))
    const authUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/v3`
    try {
      for (const key of ['timeout', 'api_timeout']) {
        const cfg = parseCloud(
          { [key]: 0.2, auth: { auth_url: authUrl, username: 'u', password: 'pw', user_domain_name: 'Default', project_id: PROJECT } },
          { name: 'silent', source: 'clouds.yaml (test)', keyName: (k) => `clouds.silent.${k}` },
        )
        assert.equal(cfg.apiTimeoutMs, 200, key)
        const started = performance.now()
        // One attempt: retrying a timed-out authentication is the retry policy's business, tested with it.
        await assert.rejects(connect(cfg, { retry: { maxAttempts: 1 } }), (e: unknown) => e instanceof TimeoutError && e.code === 'OS_TIMEOUT' && /no answer within 200 ms/.test(e.message))
        assert.ok(performance.now() - started < 5_000, `${key}: took ${performance.now() - started} ms`)
      }
    } finally {
      silent.closeAllConnections()
      await new Promise<void>((r) => silent.close(() => r()))
    }
  })

  test('HTTP_PROXY from the given environment carries authentication, discovery and API calls; NO_PROXY bypasses it', async () => {
    server.on('POST /v3/auth/tokens', { status: 201, body: tokenBody(), headers: { 'x-subject-token': 'tok' } })
    const proxy = await LoopbackProxy.start()
    try {
      const before = server.requests.length
      const conn = await connect(config(), { env: { http_proxy: proxy.url } })
      await conn.close()
      const sent = server.requests.length - before
      assert.ok(sent >= 2, `only ${sent} requests`)
      assert.equal(proxy.requests.length, sent, 'not every request went through the proxy')
      assert.ok(proxy.requests.every((r) => r.target.startsWith(server.url)), JSON.stringify(proxy.requests))
      const bypass = await connect(config(), { env: { http_proxy: proxy.url, no_proxy: '127.0.0.1' } })
      await bypass.close()
      assert.equal(proxy.requests.length, sent, 'NO_PROXY=127.0.0.1 went through the proxy')
    } finally {
      await proxy.close()
    }
  })
})
