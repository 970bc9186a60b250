import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { HttpTransport } from '../../../../core/request.ts'
import { ServiceClient } from '../../../../core/service-client.ts'
import { FakeServer } from '../../../../testhelper/fake-server.ts'
import * as tokens from '../index.ts'
import { TOKEN_RESPONSE } from './fixtures.ts'

let server: FakeServer
let transport: HttpTransport

before(async () => {
  server = await FakeServer.start()
  transport = new HttpTransport()
})
after(async () => {
  await transport.close()
  await server.close()
})

describe('tokens', () => {
  test('password auth names the user by domain and scopes to a project by name', () => {
    const body = tokens.toAuthBody({
      method: 'password',
      username: 'admin',
      userDomainName: 'Default',
      password: 'pw',
      scope: { projectName: 'admin', projectDomainId: 'default' },
    })
    assert.deepEqual(body, {
      auth: {
        identity: { methods: ['password'], password: { user: { name: 'admin', domain: { name: 'Default' }, password: 'pw' } } },
        scope: { project: { name: 'admin', domain: { id: 'default' } } },
      },
    })
  })

  test('application credential auth by id sends no scope', () => {
    assert.deepEqual(tokens.toAuthBody({ method: 'application_credential', id: 'ac1', secret: 's' }), {
      auth: { identity: { methods: ['application_credential'], application_credential: { id: 'ac1', secret: 's' } } },
    })
  })

  test('token auth rescopes to a domain', () => {
    assert.deepEqual(tokens.toAuthBody({ method: 'token', token: 't', scope: { domainName: 'Default' } }), {
      auth: { identity: { methods: ['token'], token: { id: 't' } }, scope: { domain: { name: 'Default' } } },
    })
  })

  test('create takes the token from X-Subject-Token and keeps it out of JSON', async () => {
    server.on('POST /v3/auth/tokens', { status: 201, body: TOKEN_RESPONSE, headers: { 'x-subject-token': 'gAAAA-secret-token' } })
    const keystone = new ServiceClient(transport, `${server.url}/v3`, { serviceType: 'identity' })
    const t = await tokens.create(keystone, { method: 'application_credential', id: 'ac1', secret: 's' })
    assert.equal(t.id, 'gAAAA-secret-token')
    assert.ok(!JSON.stringify(t).includes('gAAAA-secret-token'))
    assert.equal(t.expiresAt.toISOString(), '2026-11-22T05:57:05.000Z')
    assert.equal(t.project?.id, '7a6fdb06c99e4419b423b36a1e358df8')
    assert.deepEqual(t.roles.map((r) => r.name), ['reader', 'admin', 'member'])
    const cinder = t.catalog.find((e) => e.type === 'block-storage')
    assert.equal(cinder?.endpoints.find((e) => e.interface === 'public')?.region, 'RegionOne')
    assert.equal(server.calls('POST /v3/auth/tokens')[0]?.headers['x-auth-token'], undefined)
  })
})
