import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startSimulator } from './start-simulator.ts'
import { login } from './testing/sim-client.ts'

test('seedScale builds the same inventory for the same seed', async () => {
  const a = await startSimulator({ seed: 5, defaultSeed: false })
  const b = await startSimulator({ seed: 5, defaultSeed: false })
  try {
    const opts = { projects: 3, volumes: 30, servers: 6, snapshotsPerVolume: 1, backupsPerVolume: 2 }
    const ra = a.seedScale(opts)
    const rb = b.seedScale(opts)
    assert.deepEqual(ra, rb)
    assert.deepEqual(
      a.state.volumes.list().map((v) => [v.id, v.status, v.attachments.length]),
      b.state.volumes.list().map((v) => [v.id, v.status, v.attachments.length]),
    )
    assert.equal(a.state.backups.size, 60)
    const chained = a.state.backups.list().filter((x) => x.parentId !== null)
    assert.equal(chained.length, 30)
  } finally {
    await Promise.all([a.close(), b.close()])
  }
})

test('100k seeded volumes are listed completely by following the next links with all_tenants', async () => {
  const sim = await startSimulator({ seed: 9 })
  try {
    sim.seedScale({ projects: 50, volumes: 100_000, servers: 500 })
    const admin = await login(sim, 'admin')
    const seen = new Set<string>()
    let next: string | undefined = `${sim.origin}/volume/v3/${admin.projectId}/volumes/detail?all_tenants=1`
    let pages = 0
    while (next !== undefined && pages < 200) {
      const r = await admin.volume('GET', next)
      assert.equal(r.status, 200)
      for (const v of r.json.volumes as { id: string }[]) seen.add(v.id)
      next = (r.json.volumes_links as { href: string }[] | undefined)?.[0]?.href
      pages++
    }
    assert.equal(next, undefined)
    assert.equal(seen.size, sim.state.volumes.size)
    assert.ok(seen.size >= 100_000)
  } finally {
    await sim.close()
  }
})
