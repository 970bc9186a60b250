import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createManualClock } from './sim-clock.ts'
import { startSimulator, type Simulator } from './start-simulator.ts'
import { login, type SimSession } from './testing/sim-client.ts'

async function withVolumes(n: number, fn: (sim: Simulator, s: SimSession, ids: string[]) => Promise<void>, pageSize = 1000): Promise<void> {
  const clock = createManualClock(Date.parse('2024-05-01T00:00:00Z'))
  const sim = await startSimulator({ seed: 11, clock, pageSize, defaultSeed: true })
  try {
    const s = await login(sim, 'demo')
    for (const v of [...sim.state.volumes.list(s.projectId)]) sim.state.volumes.remove(v)
    const ids: string[] = []
    for (let i = 0; i < n; i++) {
      clock.advance(1000)
      ids.push(sim.state.addVolume({ projectId: s.projectId, name: `v${i}`, metadata: { even: String(i % 2 === 0) } }).id)
    }
    await fn(sim, s, ids)
  } finally {
    await sim.close()
  }
}

const idsOf = (r: { json: { volumes: { id: string }[] } }): string[] => r.json.volumes.map((v) => v.id)
const nextOf = (r: { json: { volumes_links?: { rel: string; href: string }[] } }): string | undefined =>
  r.json.volumes_links?.find((l) => l.rel === 'next')?.href

test('volumes are listed newest first, and a full page carries a next link with the last id as marker', async () => {
  await withVolumes(5, async (_sim, s, ids) => {
    const first = await s.volume('GET', '/volumes/detail?limit=2')
    assert.deepEqual(idsOf(first), [ids[4], ids[3]])
    const next = nextOf(first)
    assert.ok(next?.endsWith(`/volume/v3/${s.projectId}/volumes/detail?limit=2&marker=${ids[3]}`))
    const second = await s.volume('GET', next ?? '')
    assert.deepEqual(idsOf(second), [ids[2], ids[1]])
    const third = await s.volume('GET', nextOf(second) ?? '')
    assert.deepEqual(idsOf(third), [ids[0]])
    assert.equal(nextOf(third), undefined)
  })
})

test('a page that exactly fills the limit still links to an empty next page, as Cinder does', async () => {
  await withVolumes(2, async (_sim, s) => {
    const first = await s.volume('GET', '/volumes/detail?limit=2')
    const next = nextOf(first)
    assert.ok(next)
    const empty = await s.volume('GET', next)
    assert.deepEqual(empty.json, { volumes: [] })
  })
})

test('without a limit, pages are capped at the configured page size', async () => {
  await withVolumes(
    5,
    async (_sim, s, ids) => {
      const first = await s.volume('GET', '/volumes/detail')
      assert.deepEqual(idsOf(first), [ids[4], ids[3], ids[2]])
      assert.ok(nextOf(first)?.includes(`marker=${ids[2]}`))
    },
    3,
  )
})

test('filters by metadata and status apply before the page is cut', async () => {
  await withVolumes(6, async (_sim, s, ids) => {
    const meta = encodeURIComponent('{"even":"true"}')
    const r = await s.volume('GET', `/volumes/detail?metadata=${meta}&limit=2`)
    assert.deepEqual(idsOf(r), [ids[4], ids[2]])
    const r2 = await s.volume('GET', nextOf(r) ?? '')
    assert.deepEqual(idsOf(r2), [ids[0]])
    const none = await s.volume('GET', '/volumes/detail?status=error')
    assert.deepEqual(idsOf(none), [])
  })
})

test('sort by created_at ascending reverses the default order', async () => {
  await withVolumes(3, async (_sim, s, ids) => {
    const r = await s.volume('GET', '/volumes/detail?sort=created_at:asc')
    assert.deepEqual(idsOf(r), ids)
    const bad = await s.volume('GET', '/snapshots/detail?sort=name:asc')
    assert.equal(bad.status, 400)
    assert.equal(bad.json.badRequest.message, 'Invalid input received: Invalid sort key')
  })
})

test('a non-admin gets 400 for unknown filters from microversion 3.33 and has them ignored before', async () => {
  await withVolumes(1, async (_sim, s) => {
    const r = await s.volume('GET', '/backups/detail?foo=1', undefined, '3.33')
    assert.equal(r.status, 400)
    assert.equal(r.json.badRequest.message, 'Invalid filters foo are found in query options.')
    assert.equal((await s.volume('GET', '/backups/detail?foo=1')).status, 200)
  })
})

test('all_tenants from a non-admin is ignored, from an admin it lists every project', async () => {
  await withVolumes(2, async (sim, member) => {
    const admin = await login(sim, 'admin')
    const mine = await member.volume('GET', '/volumes/detail?all_tenants=1')
    for (const v of mine.json.volumes) assert.equal(v['os-vol-tenant-attr:tenant_id'], member.projectId)
    const all = await admin.volume('GET', '/volumes/detail?all_tenants=1')
    const projects = new Set(all.json.volumes.map((v: Record<string, string>) => v['os-vol-tenant-attr:tenant_id']))
    assert.ok(projects.has(member.projectId) && projects.has(admin.projectId))
    const one = await admin.volume('GET', `/volumes/detail?all_tenants=1&project_id=${member.projectId}`)
    assert.equal(one.json.volumes.length, 2)
  })
})

test('an unknown marker answers 404', async () => {
  await withVolumes(1, async (_sim, s) => {
    const r = await s.volume('GET', '/volumes/detail?marker=nope')
    assert.equal(r.status, 404)
    assert.equal(r.json.itemNotFound.message, 'Marker nope could not be found.')
  })
})

test('volume_id and status filters walk only the matching snapshots (an index, as Cinder has), also across projects and pages', async () => {
  const clock = createManualClock(Date.parse('2024-05-01T00:00:00Z'))
  const sim = await startSimulator({ seed: 12, clock, pageSize: 2 })
  try {
    const admin = await login(sim, 'admin')
    const demo = await login(sim, 'demo')
    const vol = sim.state.addVolume({ projectId: demo.projectId, name: 'watched' })
    const other = sim.state.addVolume({ projectId: demo.projectId, name: 'other' })
    const mine: string[] = []
    for (let i = 0; i < 5; i++) {
      clock.advance(1000)
      mine.push(sim.state.addSnapshot({ volumeId: vol.id, status: i === 4 ? 'creating' : 'available' }).id)
      for (let j = 0; j < 50; j++) sim.state.addSnapshot({ volumeId: other.id })
    }
    const reads = new Set<string>()
    for (const s of sim.state.snapshots.list()) {
      const status = s.status
      Object.defineProperty(s, 'name', { get: () => (reads.add(s.id), null), enumerable: true, configurable: true })
      assert.equal(s.status, status)
    }
    const page1 = await admin.volume('GET', `/snapshots/detail?all_tenants=1&project_id=${demo.projectId}&name=x&volume_id=${vol.id}`)
    assert.deepEqual(page1.json.snapshots, [])
    assert.ok(reads.size <= mine.length, `the name filter looked at ${reads.size} snapshots, not only the volume's ${mine.length}`)
    const byVolume = await demo.volume('GET', `/snapshots/detail?volume_id=${vol.id}`)
    assert.deepEqual(byVolume.json.snapshots.map((s: { id: string }) => s.id), [mine[4], mine[3]])
    const next = byVolume.json.snapshots_links.find((l: { rel: string }) => l.rel === 'next').href as string
    assert.deepEqual((await demo.volume('GET', next)).json.snapshots.map((s: { id: string }) => s.id), [mine[2], mine[1]])
    const creating = await admin.volume('GET', '/snapshots/detail?all_tenants=1&status=creating')
    assert.deepEqual(creating.json.snapshots.map((s: { id: string }) => s.id), [mine[4]])
    sim.state.snapshots.get(mine[4] as string)!.status = 'available'
    assert.deepEqual((await admin.volume('GET', '/snapshots/detail?all_tenants=1&status=creating')).json.snapshots, [])
    assert.deepEqual((await admin.volume('GET', `/snapshots/detail?all_tenants=1&project_id=${admin.projectId}&volume_id=${vol.id}`)).json.snapshots, [])
  } finally {
    await sim.close()
  }
})
