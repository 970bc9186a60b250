import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { isHttpStatus } from '../../../../core/errors.ts'
import { TEST_TOKEN, collect, useFakeService } from '../../../../testhelper/fake-server.ts'
import * as volumeAttachments from '../../volume-attachments/index.ts'
import * as servers from '../index.ts'
import { LIST_PAGE_1, LIST_PAGE_2, NOT_FOUND } from './fixtures.ts'

const base = '/v2.1'
const fake = useFakeService(base, {
  serviceType: 'compute',
  microversionName: 'compute',
  microversion: '2.93',
})

describe('servers', () => {
  test('list sends both microversion headers, follows servers_links and gives attached volume ids', async () => {
    const next = (LIST_PAGE_1.servers_links[0]?.href ?? '').replace('http://127.0.0.1:8774', fake.server.url)
    fake.server.on(`GET ${base}/servers/detail`, (req) =>
      req.query.has('marker') ? { body: LIST_PAGE_2 } : { body: { ...LIST_PAGE_1, servers_links: [{ rel: 'next', href: next }] } },
    )
    const got = await collect(servers.list(fake.client, { allTenants: true, limit: 1 }))
    assert.equal(got.length, 1)
    const s = got[0]!
    assert.equal(s.projectId, '7a6fdb06c99e4419b423b36a1e358df8')
    assert.deepEqual(s.volumeIds, ['805a2a60-195d-46a7-86b6-9fa84190109b'])
    assert.deepEqual(s.metadata, { swtest: 'fixture' })
    assert.equal(s.createdAt.toISOString(), '2026-11-22T02:00:51.000Z')
    const calls = fake.server.calls(`GET ${base}/servers/detail`)
    assert.equal(calls.length, 2)
    assert.equal(calls[0]?.headers['x-auth-token'], TEST_TOKEN)
    assert.equal(calls[0]?.headers['openstack-api-version'], 'compute 2.93')
    assert.equal(calls[0]?.headers['x-openstack-nova-api-version'], '2.93')
    assert.equal(calls[0]?.query.get('all_tenants'), '1')
  })

  test('setMetadata POSTs the keys to merge', async () => {
    fake.server.on(`POST ${base}/servers/s1/metadata`, { body: { metadata: { a: '1', swtest: 'fixture' } } })
    assert.deepEqual(await servers.setMetadata(fake.client, 's1', { a: '1' }), { a: '1', swtest: 'fixture' })
    assert.deepEqual(fake.server.calls(`POST ${base}/servers/s1/metadata`)[0]?.body, { metadata: { a: '1' } })
  })

  test('create sends networks none and keeps only the id of the answer', async () => {
    fake.server.on(`POST ${base}/servers`, { status: 202, body: { server: { id: 'n1', adminPass: 'hunter2', links: [] } } })
    const created = await servers.create(fake.client, { name: 'swtest', flavorRef: 'f1', imageRef: 'i1', networks: 'none' })
    assert.deepEqual(created, { id: 'n1' })
    assert.deepEqual(fake.server.calls(`POST ${base}/servers`)[0]?.body, {
      server: { name: 'swtest', flavorRef: 'f1', imageRef: 'i1', networks: 'none' },
    })
  })

  test('get of a missing server is a 404 that isHttpStatus recognises', async () => {
    fake.server.on(`GET ${base}/servers/nonexistent`, { status: 404, body: NOT_FOUND, headers: { 'x-compute-request-id': 'req-n' } })
    const err = await servers.get(fake.client, 'nonexistent').catch((e: unknown) => e)
    assert.ok(isHttpStatus(err, 404))
    assert.equal(err.requestId, 'req-n')
    assert.equal(err.apiMessage, 'Instance nonexistent could not be found.')
  })

  test('volume attachments are created and removed through the server', async () => {
    fake.server.on(`POST ${base}/servers/s1/os-volume_attachments`, {
      body: { volumeAttachment: { volumeId: 'v1', serverId: 's1', device: '/dev/sdb', tag: null } },
    })
    fake.server.on(`DELETE ${base}/servers/s1/os-volume_attachments/v1`, { status: 202 })
    const a = await volumeAttachments.create(fake.client, 's1', { volumeId: 'v1' })
    assert.equal(a.device, '/dev/sdb')
    await volumeAttachments.remove(fake.client, 's1', 'v1')
    assert.deepEqual(fake.server.calls(`POST ${base}/servers/s1/os-volume_attachments`)[0]?.body, { volumeAttachment: { volumeId: 'v1' } })
  })
})
