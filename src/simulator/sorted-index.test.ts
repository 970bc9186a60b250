import assert from 'node:assert/strict'
import { test } from 'node:test'
import { SortedIndex } from './sorted-index.ts'

interface Item {
  readonly id: string
  readonly projectId: string
  readonly createdAt: number
  readonly volumeId: string
  status: string
}

const item = (n: number, status: string, volumeId = 'vol-a'): Item => ({ id: `id-${n}`, projectId: n % 2 === 0 ? 'p0' : 'p1', createdAt: n, volumeId, status })
const ids = (xs: readonly Item[]): string[] => xs.map((x) => x.id)

test('an indexed field keeps its bucket as the resource is assigned a new value, in (createdAt, id) order', () => {
  const index = new SortedIndex<Item>(['status', 'volumeId'])
  const a = item(1, 'creating')
  const b = item(2, 'available')
  const c = item(3, 'creating', 'vol-b')
  for (const x of [c, a, b]) index.add(x)
  assert.deepEqual(ids(index.listBy('status', 'creating') ?? []), ['id-1', 'id-3'])
  a.status = 'available'
  assert.equal(a.status, 'available')
  assert.deepEqual(ids(index.listBy('status', 'available') ?? []), ['id-1', 'id-2'])
  assert.deepEqual(ids(index.listBy('status', 'creating') ?? []), ['id-3'])
  assert.deepEqual(ids(index.listBy('volumeId', 'vol-b') ?? []), ['id-3'])
  assert.deepEqual(JSON.parse(JSON.stringify(a)), { id: 'id-1', projectId: 'p1', createdAt: 1, volumeId: 'vol-a', status: 'available' })
})

test('a removed resource leaves every bucket, and a later assignment does not bring it back', () => {
  const index = new SortedIndex<Item>(['status'])
  const a = item(1, 'deleting')
  index.add(a)
  index.remove(a)
  a.status = 'available'
  assert.deepEqual(index.listBy('status', 'deleting'), [])
  assert.deepEqual(index.listBy('status', 'available'), [])
  index.add(a)
  assert.deepEqual(ids(index.listBy('status', 'available') ?? []), ['id-1'])
})

test('a field that is not indexed has no bucket', () => {
  const index = new SortedIndex<Item>(['status'])
  index.add(item(1, 'available'))
  assert.equal(index.listBy('volumeId', 'vol-a'), undefined)
})

test("a project's summed size follows adds and removes (the quota check's gigabytes in use, without a scan)", () => {
  const index = new SortedIndex<Item & { size: number }>(['status'])
  const a = { ...item(1, 'available'), size: 5 }
  const b = { ...item(3, 'available'), size: 7 }
  const c = { ...item(2, 'available'), size: 11 }
  for (const x of [a, b, c]) index.add(x)
  assert.equal(index.sizeIn('p1'), 12)
  assert.equal(index.sizeIn('p0'), 11)
  assert.equal(index.sizeIn('nobody'), 0)
  index.remove(a)
  index.remove(a) // not there any more: no change
  assert.equal(index.sizeIn('p1'), 7)
  assert.equal(index.sizeIn('p1'), index.list('p1').reduce((n, x) => n + x.size, 0))
  // Resources without a size (servers) count nothing.
  const servers = new SortedIndex<Item>()
  servers.add(item(1, 'ACTIVE'))
  assert.equal(servers.sizeIn('p1'), 0)
})
