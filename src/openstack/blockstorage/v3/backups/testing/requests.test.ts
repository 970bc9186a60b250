import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { collect, useFakeService } from '../../../../testhelper/fake-server.ts'
import * as backups from '../index.ts'
import { CREATE_RESPONSE, LIST_RESPONSE, PROJECT_ID } from './fixtures.ts'

const base = `/v3/${PROJECT_ID}`
const fake = useFakeService(base, {
  serviceType: 'block-storage',
  microversionName: 'volume',
  microversion: '3.43',
})

describe('backups', () => {
  test('create of an incremental backup from a snapshot sends metadata under microversion 3.43', async () => {
    fake.server.on(`POST ${base}/backups`, { status: 202, body: CREATE_RESPONSE })
    const b = await backups.create(fake.client, {
      volumeId: 'v1',
      name: 'swtest-a-bak',
      incremental: true,
      force: true,
      snapshotId: 's1',
      metadata: { swtest: 'fixture' },
    })
    assert.deepEqual(b, { id: 'aa36518b-faaf-4910-9b2f-439ef45bdf17', name: 'swtest-a-bak' })
    const [call] = fake.server.calls(`POST ${base}/backups`)
    assert.equal(call?.headers['openstack-api-version'], 'volume 3.43')
    assert.deepEqual(call?.body, {
      backup: { volume_id: 'v1', name: 'swtest-a-bak', incremental: true, force: true, snapshot_id: 's1', metadata: { swtest: 'fixture' } },
    })
  })

  test('list parses project, incremental flags, metadata and UTC times', async () => {
    fake.server.on(`GET ${base}/backups/detail`, { body: LIST_RESPONSE })
    const [b] = await collect(backups.list(fake.client, { allTenants: true, volumeId: 'v1' }))
    assert.equal(fake.server.calls(`GET ${base}/backups/detail`)[0]?.query.get('volume_id'), 'v1')
    assert.ok(b)
    assert.equal(b.projectId, PROJECT_ID)
    assert.equal(b.isIncremental, false)
    assert.equal(b.hasDependentBackups, false)
    assert.deepEqual(b.metadata, { swtest: 'fixture' })
    assert.equal(b.dataTimestamp?.toISOString(), '2026-11-22T02:00:07.000Z')
    assert.equal(b.availabilityZone, undefined)
  })

  test('restore POSTs the target and returns the new volume', async () => {
    fake.server.on(`POST ${base}/backups/b1/restore`, {
      status: 202,
      body: { restore: { backup_id: 'b1', volume_id: 'v2', volume_name: 'restored' } },
    })
    const r = await backups.restore(fake.client, 'b1', { name: 'restored' })
    assert.deepEqual(r, { backupId: 'b1', volumeId: 'v2', volumeName: 'restored' })
    assert.deepEqual(fake.server.calls(`POST ${base}/backups/b1/restore`)[0]?.body, { restore: { name: 'restored' } })
  })

  test('forceDelete POSTs os-force_delete', async () => {
    fake.server.on(`POST ${base}/backups/b1/action`, { status: 202 })
    await backups.forceDelete(fake.client, 'b1')
    assert.deepEqual(fake.server.calls(`POST ${base}/backups/b1/action`)[0]?.body, { 'os-force_delete': {} })
  })
})
