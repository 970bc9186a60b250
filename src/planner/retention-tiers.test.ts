import { test } from 'node:test'
import assert from 'node:assert/strict'
import { hasTiers, selectByTiers, tierBucket, tiersSum } from './retention-tiers.ts'

interface Item {
  readonly id: string
  readonly at: Date
}
const item = (id: string, iso: string): Item => ({ id, at: new Date(iso) })
const at = (i: Item): Date => i.at
const ids = (m: Map<Item, string[]>): string[] => [...m.keys()].map((i) => i.id).sort()

const hourlyRun: Item[] = [
  item('a', '2026-03-27T10:05:00Z'),
  item('b', '2026-03-27T10:45:00Z'),
  item('c', '2026-03-27T11:05:00Z'),
  item('d', '2026-03-28T09:00:00Z'),
  item('e', '2026-03-29T09:00:00Z'),
  item('f', '2026-03-29T09:30:00Z'),
]

test('keep-last keeps the newest N items whatever their order in the input', () => {
  const kept = selectByTiers([...hourlyRun].reverse(), at, { last: 2 }, 'UTC')
  assert.deepEqual(ids(kept), ['e', 'f'])
  assert.deepEqual(kept.get(hourlyRun[5]!), ['last (1/2)'])
  assert.deepEqual(kept.get(hourlyRun[4]!), ['last (2/2)'])
})

test('keep-daily keeps the newest item of each of the N newest days', () => {
  const kept = selectByTiers(hourlyRun, at, { daily: 2 }, 'UTC')
  assert.deepEqual(ids(kept), ['d', 'f'])
  assert.deepEqual(kept.get(hourlyRun[5]!), ['daily (2026-03-29)'])
})

test('keep-hourly keeps the newest item of each hour', () => {
  const kept = selectByTiers(hourlyRun, at, { hourly: 10 }, 'UTC')
  assert.deepEqual(ids(kept), ['b', 'c', 'd', 'f'])
})

test('day buckets are computed in the given zone, not in UTC', () => {
  // 2026-03-27T23:30Z is already the 28th in Berlin (UTC+1): it shares a day with d there.
  const items = [item('late', '2026-03-27T23:30:00Z'), item('d', '2026-03-28T09:00:00Z')]
  assert.deepEqual(ids(selectByTiers(items, at, { daily: 5 }, 'UTC')), ['d', 'late'])
  assert.deepEqual(ids(selectByTiers(items, at, { daily: 5 }, 'Europe/Berlin')), ['d'])
})

test('weekly buckets are ISO weeks, so the turn of the year groups by ISO week-year', () => {
  assert.equal(tierBucket('weekly', new Date('2026-12-31T12:00:00Z'), 'UTC'), '2026-W53')
  assert.equal(tierBucket('weekly', new Date('2027-01-03T12:00:00Z'), 'UTC'), '2026-W53')
  assert.equal(tierBucket('weekly', new Date('2027-01-04T12:00:00Z'), 'UTC'), '2027-W01')
})

test('an item kept by several tiers carries one reason per tier, in tier order', () => {
  const kept = selectByTiers(hourlyRun, at, { last: 1, daily: 1, monthly: 1, yearly: 1 }, 'UTC')
  assert.deepEqual(kept.get(hourlyRun[5]!), ['last (1/1)', 'daily (2026-03-29)', 'monthly (2026-03)', 'yearly (2026)'])
  assert.equal(kept.size, 1)
})

test('a negative count keeps every bucket (restic -1)', () => {
  const kept = selectByTiers(hourlyRun, at, { daily: -1 }, 'UTC')
  assert.deepEqual(ids(kept), ['c', 'd', 'f'])
  assert.equal(tiersSum({ daily: -1 }), Number.POSITIVE_INFINITY)
})

test('empty tiers keep nothing and the input is never mutated', () => {
  const input = [...hourlyRun].reverse()
  const copy = [...input]
  assert.equal(selectByTiers(input, at, {}, 'UTC').size, 0)
  selectByTiers(input, at, { last: 3, hourly: 2 }, 'UTC')
  assert.deepEqual(input, copy)
  assert.equal(hasTiers({}), false)
  assert.equal(hasTiers({ weekly: 1 }), true)
})

test('items with equal times are ranked in input order', () => {
  const x = item('x', '2026-03-29T09:00:00Z')
  const y = item('y', '2026-03-29T09:00:00Z')
  assert.deepEqual(ids(selectByTiers([x, y], at, { last: 1 }, 'UTC')), ['x'])
})

test('kept count never exceeds the sum of the tiers', () => {
  const many = Array.from({ length: 60 }, (_, i) => item(`s${i}`, new Date(Date.UTC(2026, 0, 1) + i * 7 * 3600_000).toISOString()))
  const tiers = { last: 3, hourly: 4, daily: 5, weekly: 2, monthly: 1 }
  assert.ok(selectByTiers(many, at, tiers, 'Asia/Kolkata').size <= tiersSum(tiers))
})
