import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { collect, useFakeService } from '../../../../testhelper/fake-server.ts'
import * as attachments from '../index.ts'
import { LIST_RESPONSE } from './fixtures.ts'

const base = '/v3/p1'
const fake = useFakeService(base, {
  serviceType: 'block-storage',
  microversionName: 'volume',
  microversion: '3.54',
})

describe('attachments', () => {
  test('list parses the server id and an empty detached_at as absent', async () => {
    fake.server.on(`GET ${base}/attachments/detail`, { body: LIST_RESPONSE })
    const [a] = await collect(attachments.list(fake.client, { volumeId: '805a2a60-195d-46a7-86b6-9fa84190109b' }))
    assert.equal(a?.instanceId, '47da312a-3303-4955-8798-a8302a06d85b')
    assert.equal(a?.detachedAt, undefined)
    assert.equal(a?.attachedAt?.toISOString(), '2026-11-22T02:01:18.000Z')
    assert.ok(!('connectionInfo' in (a ?? {})))
  })

  test('create, complete and remove send the attachment calls', async () => {
    fake.server.on(`POST ${base}/attachments`, { body: { attachment: LIST_RESPONSE.attachments[0] } })
    fake.server.on(`POST ${base}/attachments/a1/action`, { status: 204 })
    fake.server.on(`DELETE ${base}/attachments/a1`, { status: 200 })
    await attachments.create(fake.client, { volumeId: 'v1', instanceId: 'i1', connector: { host: 'h' }, mode: 'rw' })
    await attachments.complete(fake.client, 'a1')
    await attachments.remove(fake.client, 'a1')
    assert.deepEqual(fake.server.calls(`POST ${base}/attachments`)[0]?.body, {
      attachment: { volume_uuid: 'v1', instance_uuid: 'i1', connector: { host: 'h' }, mode: 'rw' },
    })
    assert.deepEqual(fake.server.calls(`POST ${base}/attachments/a1/action`)[0]?.body, { 'os-complete': null })
    assert.equal(fake.server.calls(`DELETE ${base}/attachments/a1`).length, 1)
  })
})
