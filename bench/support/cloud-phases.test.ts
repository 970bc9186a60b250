import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Cloud } from '../../src/domain/ports.ts'
import { timeCloudPhases } from './cloud-phases.ts'

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/** A cloud with only a listing of `n` volume-like records (Dates included), as the bench's listed() needs. */
function listingCloud(n: number): Cloud {
  const cloud = {
    async *listVolumes() {
      for (let i = 0; i < n; i++) yield { id: `vol-${i}`, createdAt: new Date(Date.UTC(2026, 2, 10, 0, 0, i)), metadata: { k: String(i) } }
    },
  }
  return cloud as unknown as Cloud
}

test('listed(): the first listing, every item in order, Dates as Dates, kept in batches outside the heap', async () => {
  const phased = timeCloudPhases(listingCloud(2_345))
  const seen: unknown[] = []
  for await (const v of phased.cloud.listVolumes({ allProjects: true })) seen.push(v)
  // A second listing of the same method is the executor's, not kept.
  for await (const v of phased.cloud.listVolumes({ allProjects: true })) void v
  await turn()
  const listed = phased.listed('listVolumes')
  assert.equal(listed.length, 2_345)
  assert.deepEqual(listed, seen)
  assert.ok((listed[2_344] as { createdAt: unknown }).createdAt instanceof Date)
  assert.deepEqual(phased.listed('listSnapshots'), [])
})

test('listed(): an empty listing is an empty list', async () => {
  const phased = timeCloudPhases(listingCloud(0))
  for await (const v of phased.cloud.listVolumes({ allProjects: true })) void v
  await turn()
  assert.deepEqual(phased.listed('listVolumes'), [])
})
