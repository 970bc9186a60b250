/**
 * A poll round over backups in flight (OpenStackCloud.listRecentBackups) against the simulator:
 * a round over more backups than a page reads its pages in parallel segments that start at watched
 * backups, as many pages as one after another, and still sees every backup whatever the order
 * it was given or when a marker is gone.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { connectAs, SIM_START, startSimHarness, type SimClient, type SimHarness } from '../../tests/support/sim-cloud.ts'
import { addVolume, projectIds } from '../../tests/support/sim-scenario.ts'
import { SEGMENT_SIZE, segmentMarkers } from './recent-backups.ts'

const LIST = 'GET /volume/v3/{project_id}/backups/detail'
const WATCHED = 2 * SEGMENT_SIZE + 500

let h: SimHarness
let admin: SimClient
let project: string
/** The watched backups, oldest first; one older backup nobody watches. */
let ids: string[]

before(async () => {
  h = await startSimHarness({ pageSize: SEGMENT_SIZE })
  admin = await connectAs(h, 'admin')
  project = projectIds(h.sim).admin
  const volumeId = addVolume(h.sim, project, 'recent').id
  h.sim.state.addBackup({ volumeId, name: 'older', createdAt: SIM_START - 1_000 })
  ids = Array.from({ length: WATCHED }, (_, i) => h.sim.state.addBackup({ volumeId, name: `b${i}`, createdAt: SIM_START + i * 1_000 }).id)
})

after(async () => {
  await h.close()
})

const calls = (): number => h.sim.calls()[LIST] ?? 0

async function round(watched: readonly string[]): Promise<{ listed: string[]; pages: number; calls: number }> {
  const before = calls()
  let pages = 0
  const listed = await admin.cloud.listRecentBackups({ projectIds: [project], ids: watched, createdSince: new Date(SIM_START) }, undefined, () => pages++)
  return { listed: listed.map((b) => b.id), pages, calls: calls() - before }
}

test('a round over 2,500 backups sends its three page requests at once, from markers among them, and reads each backup once', async () => {
  // Every listing request is held until the test lets it go: a round reading one page after
  // another has one request out, a segmented round all three.
  let release: () => void = () => {}
  const gate = new Promise<void>((r) => (release = r))
  const remove = h.sim.faults.add({ route: LIST, action: { kind: 'latency', ms: 0, until: gate } })
  try {
    const before = calls()
    const running = round(ids)
    // Bounded: a few hundred turns of the event loop are plenty for three requests to arrive.
    for (let i = 0; i < 500 && calls() - before < 3; i++) await new Promise((r) => setImmediate(r))
    const outAtOnce = calls() - before
    release()
    const r = await running
    assert.equal(outAtOnce, 3, 'page requests out at once')
    assert.equal(r.calls, 3, 'as many pages as one after another: ceil(2,501 / 1,000)')
    assert.deepEqual([...r.listed].sort(), [...ids].sort())
    assert.equal(new Set(r.listed).size, r.listed.length, 'no backup handed over twice')
    assert.equal(r.pages, 3)
  } finally {
    remove()
    release()
  }
})

test('segments: one per page of watched backups, each starting after the oldest of the run before', () => {
  assert.deepEqual(segmentMarkers(ids.slice(0, SEGMENT_SIZE)), [undefined])
  const m = segmentMarkers(ids)
  assert.equal(m.length, 3)
  assert.deepEqual(m, [undefined, ids[WATCHED - 834], ids[WATCHED - 2 * 834]])
})

test('watched in an order that is not Cinder\'s: every backup is still read (at the cost of pages)', async () => {
  // Reversed: the markers are the newest backups, so the segments overlap.
  const r = await round([...ids].reverse())
  assert.deepEqual([...r.listed].sort(), [...ids].sort())
  assert.equal(new Set(r.listed).size, r.listed.length)
})

test('a marker Cinder no longer knows (the backup was deleted): the round reads the listing page after page and misses nothing', async () => {
  const gone = segmentMarkers(ids)[1]!
  h.sim.state.backups.remove(h.sim.state.backups.get(gone)!)
  const r = await round(ids)
  assert.deepEqual([...r.listed].sort(), ids.filter((id) => id !== gone).sort())
  assert.equal(new Set(r.listed).size, r.listed.length)
})
