import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { TOKEN_RESPONSE } from '../identity/v3/tokens/testing/fixtures.ts'
import { FakeServer } from '../testhelper/fake-server.ts'
import { ProviderClient } from './provider-client.ts'
import { HttpTransport } from './request.ts'
import { countsSince, RequestCounter } from './request-counter.ts'
import { routeTemplate } from './route-template.ts'
import { ServiceClient } from './service-client.ts'

const PROJECT = '0b2a6f1e9c8d4e3fa1b2c3d4e5f60718'
const BACKUP = '5f1c0f4e-2b7a-4c1d-9e3f-8a6b5c4d3e2f'

describe('routeTemplate', () => {
  test('ids become {id} relative to the endpoint; query and fragment are dropped', () => {
    const ep = `http://127.0.0.1:8776/v3/${PROJECT}/`
    assert.equal(routeTemplate(`${ep}backups/${BACKUP}`, ep), 'backups/{id}')
    assert.equal(routeTemplate(`${ep}backups/detail?all_tenants=1&limit=1000&marker=${BACKUP}`, ep), 'backups/detail')
    assert.equal(routeTemplate(`${ep}volumes/${BACKUP}/metadata/__staffeln_backup`, ep), 'volumes/{id}/metadata/__staffeln_backup')
    assert.equal(routeTemplate(`http://127.0.0.1:8774/v2.1/servers/${BACKUP}/os-volume_attachments/${BACKUP}`, 'http://127.0.0.1:8774/v2.1/'), 'servers/{id}/os-volume_attachments/{id}')
    assert.equal(routeTemplate(`http://127.0.0.1:8774/v2.1/flavors/42`, 'http://127.0.0.1:8774/v2.1/'), 'flavors/{id}')
    assert.equal(routeTemplate(ep, ep), '/')
  })

  test('a URL outside the endpoint (or with none) keeps its absolute path, ids replaced', () => {
    assert.equal(routeTemplate(`http://127.0.0.1:8776/v3/${PROJECT}/backups`), '/v3/{id}/backups')
    assert.equal(routeTemplate('http://127.0.0.1:8776/'), '/')
    assert.equal(routeTemplate('http://127.0.0.1:8776/v3/', 'http://127.0.0.1:9999/v3/'), '/v3/')
  })
})

describe('RequestCounter', () => {
  let server: FakeServer
  let transport: HttpTransport
  const counter = new RequestCounter()
  let issued = 0

  before(async () => {
    server = await FakeServer.start()
    transport = new HttpTransport({ onRequest: counter.observe })
  })
  after(async () => {
    await transport.close()
    await server.close()
  })

  test('counts every HTTP request by service, method and route: authentication, the 401 and its re-send, pages', async () => {
    server.on('POST /v3/auth/tokens', () => {
      issued++
      return { status: 201, body: TOKEN_RESPONSE, headers: { 'x-subject-token': `tok-${issued}` } }
    })
    const provider = new ProviderClient({
      transport,
      identityUrl: `${server.url}/v3`,
      auth: { method: 'password', username: 'admin', userDomainName: 'Default', password: 'pw-never-shown' },
      clock: { now: () => new Date('2026-11-22T02:00:00Z') },
    })
    const cinder = new ServiceClient(provider, `${server.url}/v3/${PROJECT}`, { serviceType: 'block-storage' })
    await provider.authenticate()
    const first = provider.token?.id
    server.on(`GET /v3/${PROJECT}/backups/${BACKUP}`, (req) => (req.headers['x-auth-token'] === first ? { status: 401, body: { error: { message: 'expired' } } } : { body: { backup: { id: BACKUP } } }))
    server.on(`GET /v3/${PROJECT}/backups/detail`, { body: { backups: [] } })
    const before = counter.rows()
    await cinder.get(cinder.url('backups', BACKUP))
    await cinder.get(`${cinder.url('backups', 'detail')}?limit=1000`)
    await cinder.get(`${cinder.url('backups', 'detail')}?limit=1000&marker=${BACKUP}`)
    // A failed request is one too (no status: refused).
    const gone = new ServiceClient(provider, 'http://127.0.0.1:1/v3', { serviceType: 'block-storage' })
    await assert.rejects(gone.get(gone.url('volumes', 'detail')))

    assert.deepEqual(counter.rows(), [
      { service: 'block-storage', method: 'GET', route: 'backups/detail', count: 2 },
      { service: 'block-storage', method: 'GET', route: 'backups/{id}', count: 2 },
      { service: 'identity', method: 'POST', route: 'auth/tokens', count: 2 },
      { service: 'block-storage', method: 'GET', route: 'volumes/detail', count: 1 },
    ])
    assert.equal(counter.total('block-storage'), 5)
    assert.equal(counter.total(), 7)
    assert.deepEqual(countsSince(counter.rows(), before), [
      { service: 'block-storage', method: 'GET', route: 'backups/detail', count: 2 },
      { service: 'block-storage', method: 'GET', route: 'backups/{id}', count: 2 },
      { service: 'identity', method: 'POST', route: 'auth/tokens', count: 1 },
      { service: 'block-storage', method: 'GET', route: 'volumes/detail', count: 1 },
    ])
  })

  test('a request sent without a service (bare transport) counts as unknown, by its path', async () => {
    const c = new RequestCounter()
    const bare = new HttpTransport({ onRequest: c.observe })
    try {
      server.on('GET /', { body: { versions: [] } })
      await bare.send({ method: 'GET', url: `${server.url}/` })
      assert.deepEqual(c.rows(), [{ service: 'unknown', method: 'GET', route: '/', count: 1 }])
    } finally {
      await bare.close()
    }
  })
})
