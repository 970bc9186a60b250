import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { CreateSnapshotRequest } from '../domain/ports.ts'
import { parseSnapshot } from '../openstack/blockstorage/v3/snapshots/results.ts'
import { toCreatedSnapshotRecord, toSnapshotRecord } from './map.ts'

const req: CreateSnapshotRequest = {
  volumeId: 'vol-1',
  projectId: 'proj-1',
  name: 'snapwarden-daily-vol-1',
  description: 'made by snapwarden',
  metadata: { 'x-snapwarden-managed': 'true', 'x-snapwarden-window': 'daily/2026-03-10' },
  force: true,
}

/** Cinder's answer to a create (202), as JSON.parse gives it: its own copies of what was sent. */
const answer = (over: Record<string, unknown> = {}) =>
  parseSnapshot(
    JSON.parse(
      JSON.stringify({
        id: 'snap-1',
        name: req.name,
        description: req.description,
        status: 'creating',
        size: 1,
        volume_id: req.volumeId,
        'os-extended-snapshot-attributes:project_id': req.projectId,
        metadata: req.metadata,
        created_at: '2026-03-10T12:00:00.000000',
        updated_at: null,
        ...over,
      }),
    ),
  )

describe('toCreatedSnapshotRecord', () => {
  test("an answer that repeats the request: the same record as toSnapshotRecord's, holding the request's metadata, not the answer's copy", () => {
    const s = answer()
    const record = toCreatedSnapshotRecord(s, req)
    assert.deepEqual(record, toSnapshotRecord(s, req.projectId))
    assert.equal(record.metadata, req.metadata)
    assert.notEqual(s.metadata, req.metadata)
  })

  test("what the answer says otherwise is the answer's: other metadata, name, volume, project", () => {
    const metadata = { ...req.metadata, 'added-by-cinder': 'x' }
    const s = answer({ metadata, name: 'renamed', volume_id: 'vol-2', 'os-extended-snapshot-attributes:project_id': 'proj-2' })
    const record = toCreatedSnapshotRecord(s, req)
    assert.deepEqual(record, toSnapshotRecord(s, req.projectId))
    assert.deepEqual(record.metadata, metadata)
    assert.equal(record.name, 'renamed')
    assert.equal(record.volumeId, 'vol-2')
    assert.equal(record.projectId, 'proj-2')
  })

  test('same keys, one value changed; or one key fewer: the answer’s metadata', () => {
    const changed = answer({ metadata: { ...req.metadata, 'x-snapwarden-window': 'daily/2026-03-11' } })
    assert.equal(toCreatedSnapshotRecord(changed, req).metadata['x-snapwarden-window'], 'daily/2026-03-11')
    const fewer = answer({ metadata: { 'x-snapwarden-managed': 'true' } })
    assert.deepEqual(toCreatedSnapshotRecord(fewer, req).metadata, { 'x-snapwarden-managed': 'true' })
  })

  test("an answer without the project attribute: the request's project, as toSnapshotRecord's fallback", () => {
    const s = answer({ 'os-extended-snapshot-attributes:project_id': undefined })
    assert.equal(toCreatedSnapshotRecord(s, req).projectId, 'proj-1')
    assert.deepEqual(toCreatedSnapshotRecord(s, req), toSnapshotRecord(s, req.projectId))
  })
})
