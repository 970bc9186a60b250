import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { ServiceClient } from '../../../../core/service-client.ts'
import { collect, FakeServer, fakeServiceClient } from '../../../../testhelper/fake-server.ts'
import * as backups from '../index.ts'
import { CREATE_RESPONSE, LIST_RESPONSE, PROJECT_ID } from './fixtures.ts'

const base = `/v3/${PROJECT_ID}`
let server: FakeServer
let cinder: ServiceClient
let closeClient: () => Promise<void>

before(async () => {
  server = await FakeServer.start()
  ;({ client: cinder, close: closeClient } = fakeServiceClient(server, base, {
    serviceType: 'block-storage',
    microversionName: 'volume',
    microversion: '3.43',
  }))
})
after(async () => {
  await closeClient()
  await server.close()
})

describe('backups', () => {
  test('create of an incremental backup from a snapshot sends metadata under microversion 3.43', async () => {
    server.on(`POST ${base}/backups`, { status: 202, body: CREATE_RESPONSE })
    const b = await backups.create(cinder, {
      volumeId: 'v1',
      name: 'swtest-a-bak',
      incremental: true,
      force: true,
      snapshotId: 's1',
      metadata: { swtest: 'fixture' },
    })
    assert.deepEqual(b, { id: 'aa36518b-faaf-4910-9b2f-439ef45bdf17', name: 'swtest-a-bak' })
    const [call] = server.calls(`POST ${base}/backups`)
    assert.equal(call?.headers['openstack-api-version'], 'volume 3.43')
    assert.deepEqual(call?.body, {
      backup: { volume_id: 'v1', name: 'swtest-a-bak', incremental: true, force: true, snapshot_id: 's1', metadata: { swtest: 'fixture' } },
    })
  })

  test('list parses project, incremental flags, metadata and UTC times', async () => {
    server.on(`GET ${base}/backups/detail`, { body: LIST_RESPONSE })
    const [b] = await collect(backups.list(cinder, { allTenants: true, volumeId: 'v1' }))
    assert.equal(server.calls(`GET ${base}/backups/detail`)[0]?.query.get('volume_id'), 'v1')
    assert.ok(b)
    assert.equal(b.projectId, PROJECT_ID)
    assert.equal(b.isIncremental, false)
    assert.equal(b.hasDependentBackups, false)
    assert.deepEqual(b.metadata, { swtest: 'fixture' })
    assert.equal(b.dataTimestamp?.toISOString(), '2026-11-22T02:00:07.000Z')
    assert.equal(b.availabilityZone, undefined)
  })

  test('restore POSTs the target and returns the new volume', async () => {
    server.on(`POST ${base}/backups/b1/restore`, {
      status: 202,
      body: { restore: { backup_id: 'b1', volume_id: 'v2', volume_name: 'restored' } },
    })
    const r = await backups.restore(cinder, 'b1', { name: 'restored' })
    assert.deepEqual(r, { backupId: 'b1', volumeId: 'v2', volumeName: 'restored' })
    assert.deepEqual(server.calls(`POST ${base}/backups/b1/restore`)[0]?.body, { restore: { name: 'restored' } })
  })

  test('forceDelete POSTs os-force_delete', async () => {
    server.on(`POST ${base}/backups/b1/action`, { status: 202 })
    await backups.forceDelete(cinder, 'b1')
    assert.deepEqual(server.calls(`POST ${base}/backups/b1/action`)[0]?.body, { 'os-force_delete': {} })
  })
})
