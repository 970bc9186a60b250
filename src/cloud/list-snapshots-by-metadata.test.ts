/**
 * OpenStackCloud.listSnapshotsByMetadata against the simulator: a listing round reads every page
 * of the window and makes records only for the snapshots it wants (its volumes, its metadata).
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { connectAs, startSimHarness, type SimClient, type SimHarness } from '../../tests/support/sim-cloud.ts'
import { addVolume, projectIds } from '../../tests/support/sim-scenario.ts'

const WINDOW = { 'x-snapwarden-window': 'daily/2026-03-10' }

let h: SimHarness
let admin: SimClient
let volumeIds: string[]
let project: string

before(async () => {
  // Two snapshots a page: five in the window span three pages.
  h = await startSimHarness({ pageSize: 2 })
  admin = await connectAs(h, 'admin')
  project = projectIds(h.sim).admin
  volumeIds = ['a', 'b', 'c', 'd', 'e'].map((n) => addVolume(h.sim, project, `listing-${n}`).id)
  for (const volumeId of volumeIds) {
    await admin.cloud.createSnapshot({ volumeId, projectId: project, name: `snap-${volumeId}`, description: '', metadata: WINDOW, force: true })
  }
  // Another window's snapshot of the first volume: the metadata filter leaves it out.
  await admin.cloud.createSnapshot({ volumeId: volumeIds[0]!, projectId: project, name: 'other', description: '', metadata: { 'x-snapwarden-window': 'daily/2026-03-09' }, force: true })
})

after(async () => {
  await h.close()
})

test('without volumeIds: every snapshot of the window, from every page', async () => {
  const listed = await admin.cloud.listSnapshotsByMetadata({ projectIds: [project], metadata: WINDOW })
  assert.deepEqual(listed.map((s) => s.volumeId).sort(), [...volumeIds].sort())
  assert.ok(listed.every((s) => s.metadata['x-snapwarden-window'] === WINDOW['x-snapwarden-window'] && s.projectId === project))
})

test('with volumeIds: only those volumes\' snapshots, though the listing reads every page', async () => {
  const wanted = new Set([volumeIds[1]!, volumeIds[4]!])
  const before = admin.requests.length
  const listed = await admin.cloud.listSnapshotsByMetadata({ projectIds: [project], metadata: WINDOW, volumeIds: wanted })
  assert.deepEqual(listed.map((s) => s.volumeId).sort(), [...wanted].sort())
  const pages = admin.requests.slice(before).filter((r) => r.method === 'GET' && r.route.includes('snapshots'))
  assert.equal(pages.length, 3, 'five snapshots two a page: three pages, each read once')
})

test('an empty volumeIds set wants nothing', async () => {
  assert.deepEqual(await admin.cloud.listSnapshotsByMetadata({ projectIds: [project], metadata: WINDOW, volumeIds: new Set() }), [])
})
