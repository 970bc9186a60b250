import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Cloud } from '../../src/domain/ports.ts'
import { timeCloudPhases } from './cloud-phases.ts'

/** A cloud with a listing of `n` volume-like records and one per-item call. */
function smallCloud(n: number): Cloud {
  const cloud = {
    async *listVolumes() {
      for (let i = 0; i < n; i++) yield { id: `vol-${i}` }
    },
    async createSnapshot() {
      return { id: 'snap-1' }
    },
  }
  return cloud as unknown as Cloud
}

test('phases: listing ends with the first listing, executing starts at the first per-item call; a later listing is executing', async () => {
  const phased = timeCloudPhases(smallCloud(3))
  const started = performance.now()
  const seen: unknown[] = []
  for await (const v of phased.cloud.listVolumes({ allProjects: true })) seen.push(v)
  assert.equal(seen.length, 3, 'the listing passes through whole')
  const afterListing = performance.now()
  await phased.cloud.createSnapshot({ volumeId: 'vol-0', projectId: 'p', name: 'n', description: '', metadata: {}, force: true })
  for await (const v of phased.cloud.listVolumes({ allProjects: true })) void v
  const end = performance.now()
  const rows = new Map(phased.phases(end))
  const listing = rows.get('listing (pages in parallel per collection)') as number
  const executing = rows.get('executing') as number
  assert.ok(listing >= 0 && listing <= afterListing - started, `listing ${listing}`)
  assert.ok(executing >= 0 && executing <= end - afterListing, `executing ${executing}`)
})
