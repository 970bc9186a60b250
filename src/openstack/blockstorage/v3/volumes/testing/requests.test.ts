import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { NotFoundError } from '../../../../core/errors.ts'
import { TEST_TOKEN, collect, useFakeService } from '../../../../testhelper/fake-server.ts'
import * as volumes from '../index.ts'
import { LIST_PAGE_1, LIST_PAGE_2, NOT_FOUND, PROJECT_ID, SET_METADATA_RESPONSE } from './fixtures.ts'

const base = `/v3/${PROJECT_ID}`
const fake = useFakeService(base, {
  serviceType: 'block-storage',
  microversionName: 'volume',
  microversion: '3.70',
})

const local = (o: unknown): unknown => JSON.parse(JSON.stringify(o).replaceAll('http://127.0.0.1:8776', fake.server.url))

describe('volumes', () => {
  test('list follows the next links of every page and sends token, microversion and filters', async () => {
    fake.server.on(`GET ${base}/volumes/detail`, (req) => ({ body: req.query.has('marker') ? LIST_PAGE_2 : local(LIST_PAGE_1) }))
    const got = []
    for await (const v of volumes.list(fake.client, { allTenants: true, limit: 1, metadata: { a: '1' } })) got.push(v)
    assert.deepEqual(got.map((v) => v.id), ['bd78d9d5-9cd0-4574-96d6-a61dc27f0e36', '805a2a60-195d-46a7-86b6-9fa84190109b'])
    const calls = fake.server.calls(`GET ${base}/volumes/detail`)
    assert.equal(calls.length, 2)
    const first = calls[0]!
    assert.equal(first.headers['x-auth-token'], TEST_TOKEN)
    assert.equal(first.headers['openstack-api-version'], 'volume 3.70')
    assert.equal(first.query.get('all_tenants'), '1')
    assert.equal(first.query.get('limit'), '1')
    assert.deepEqual(JSON.parse(first.query.get('metadata')!), { a: '1' })
    assert.equal(calls[1]!.query.get('marker'), 'bd78d9d5-9cd0-4574-96d6-a61dc27f0e36')
  })

  test('list results are camelCase with zone-less Cinder timestamps read as UTC', async () => {
    fake.server.on(`GET ${base}/volumes/detail`, { body: LIST_PAGE_2 })
    const [v] = await collect(volumes.list(fake.client))
    assert.ok(v)
    assert.equal(v.projectId, PROJECT_ID)
    assert.equal(v.createdAt.toISOString(), '2026-11-22T01:57:19.000Z')
    assert.equal(v.bootable, false)
    assert.equal(v.attachments[0]?.serverId, '47da312a-3303-4955-8798-a8302a06d85b')
    assert.equal(v.attachments[0]?.device, '/dev/sdb')
    assert.equal(v.attachments[0]?.attachedAt?.toISOString(), '2026-11-22T02:01:18.000Z')
    assert.deepEqual(v.metadata, { swtest: 'fixture' })
  })

  test('setMetadata POSTs the keys to merge and returns the whole metadata', async () => {
    const id = '805a2a60-195d-46a7-86b6-9fa84190109b'
    fake.server.on(`POST ${base}/volumes/${id}/metadata`, { body: SET_METADATA_RESPONSE })
    const md = await volumes.setMetadata(fake.client, id, { k2: 'v2' })
    assert.deepEqual(md, { k2: 'v2', swtest: 'fixture' })
    const [call] = fake.server.calls(`POST ${base}/volumes/${id}/metadata`)
    assert.deepEqual(call?.body, { metadata: { k2: 'v2' } })
    assert.equal(call?.headers['content-type'], 'application/json')
  })

  test('deleteMetadataKey DELETEs the url-encoded key', async () => {
    fake.server.on(`DELETE ${base}/volumes/v1/metadata/a%20b`, { status: 200 })
    await volumes.deleteMetadataKey(fake.client, 'v1', 'a b')
    assert.equal(fake.server.calls(`DELETE ${base}/volumes/v1/metadata/a%20b`).length, 1)
  })

  test('get of a missing volume throws NotFoundError carrying Cinder message and request id', async () => {
    fake.server.on(`GET ${base}/volumes/nonexist`, { status: 404, body: NOT_FOUND, headers: { 'x-openstack-request-id': 'req-123' } })
    const err = await volumes.get(fake.client, 'nonexist').catch((e: unknown) => e)
    assert.ok(err instanceof NotFoundError)
    assert.equal(err.code, 'OS_NOT_FOUND')
    assert.equal(err.status, 404)
    assert.equal(err.apiMessage, 'Volume nonexist could not be found.')
    assert.equal(err.requestId, 'req-123')
    assert.match(err.message, /GET .*\/volumes\/nonexist: HTTP 404 Volume nonexist could not be found/)
    assert.ok(!err.message.includes(TEST_TOKEN))
  })

  test('create sends only the given fields and remove expects 202', async () => {
    fake.server.on(`POST ${base}/volumes`, { status: 202, body: { volume: LIST_PAGE_2.volumes[0] } })
    fake.server.on(`DELETE ${base}/volumes/v9`, { status: 202 })
    await volumes.create(fake.client, { size: 1, name: 'n', metadata: { a: 'b' } })
    assert.deepEqual(fake.server.calls(`POST ${base}/volumes`)[0]?.body, { volume: { size: 1, name: 'n', metadata: { a: 'b' } } })
    await volumes.remove(fake.client, 'v9', { cascade: true })
    assert.equal(fake.server.calls(`DELETE ${base}/volumes/v9`)[0]?.query.get('cascade'), 'true')
  })
})
