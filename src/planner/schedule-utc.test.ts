import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Temporal } from 'temporal-polyfill'
import type { Schedule, SnapshotPolicy } from '../domain/policy.ts'
import { utcWindowAt } from './schedule-utc.ts'
import { windowAt, windowAtByTemporal } from './schedule.ts'
import { expiryOf, snapshotMetadata } from './snapshot-metadata.ts'

let seed = 11
const next = (n: number): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648), seed % n)

/** Schedules in UTC of every kind, with start times at the day's edges and month ends. */
function schedules(): Schedule[] {
  const out: Schedule[] = []
  for (const [hour, minute] of [[0, 0], [23, 59], [12, 30], [1, 15]] as const) {
    const startTime = { hour, minute }
    out.push({ kind: 'daily', timezone: 'UTC', startTime })
    for (const weekday of [1, 3, 7] as const) out.push({ kind: 'weekly', timezone: 'UTC', startTime, weekday })
    for (const dayOfMonth of [1, 15, 28, 29, 30, 31]) out.push({ kind: 'monthly', timezone: 'UTC', startTime, dayOfMonth })
    for (const intervalHours of [6, 8, 12] as const) out.push({ kind: 'express', timezone: 'UTC', startTime, intervalHours })
  }
  return out
}

test('a UTC schedule’s window by Date arithmetic is the window Temporal computes (every kind, leap years, month ends, window edges)', () => {
  const instants: number[] = []
  for (let n = 0; n < 300; n++) instants.push(Date.UTC(1971 + next(200), next(12), 1 + next(31), next(24), next(60), next(60), next(1000)))
  for (const iso of ['2024-02-29T23:59:59.999Z', '2024-03-01T00:00:00Z', '2026-12-31T23:59:00Z', '2027-01-01T00:00:00Z', '2100-02-28T12:00:00Z', '2000-02-29T00:00:00Z', '2026-03-29T01:00:00Z']) {
    instants.push(Date.parse(iso))
  }
  let compared = 0
  for (const s of schedules()) {
    for (const t of instants) {
      const expected = windowAtByTemporal(s, new Date(t))
      // also exactly at the window's start and a millisecond before it
      for (const at of [t, expected.start.getTime(), expected.start.getTime() - 1]) {
        const want = windowAtByTemporal(s, new Date(at))
        assert.deepEqual(utcWindowAt(s, new Date(at)), want, `${JSON.stringify(s)} at ${new Date(at).toISOString()}`)
        compared++
      }
    }
  }
  assert.ok(compared > 20_000)
  // windowAt takes the shortcut for UTC only, and instants outside 1970–9999 go the Temporal way
  const daily: Schedule = { kind: 'daily', timezone: 'UTC', startTime: { hour: 0, minute: 0 } }
  assert.equal(utcWindowAt(daily, new Date(Date.UTC(1960, 0, 1))), undefined)
  assert.equal(windowAt(daily, new Date(Date.UTC(1960, 5, 1, 12))).key, 'daily/1960-06-01T00:00+00:00[UTC]')
  assert.equal(windowAt({ ...daily, timezone: 'Europe/Berlin' }, new Date('2026-03-29T12:00:00Z')).key, 'daily/2026-03-29T00:00+01:00[Europe/Berlin]')
})

test('in UTC, expiry (window start + N days) and its SnapSentry reading are Temporal’s', () => {
  for (let n = 0; n < 200; n++) {
    const start = new Date(Date.UTC(1971 + next(200), next(12), 1 + next(28), next(24), next(60), next(60), next(1000)))
    const days = 1 + next(400)
    const policy: SnapshotPolicy = {
      name: 'daily',
      schedule: { kind: 'daily', timezone: 'UTC', startTime: { hour: 0, minute: 0 } },
      retention: { maxAgeDays: days, timezone: 'UTC' },
      source: 'snapwarden',
    }
    const zoned = Temporal.Instant.fromEpochMilliseconds(start.getTime()).toZonedDateTimeISO('UTC').add({ days })
    assert.equal(expiryOf(policy, start)?.getTime(), zoned.epochMilliseconds)
    const marks = snapshotMetadata(policy, { policy: 'daily', key: `daily/${n}`, start, end: new Date(start.getTime() + 86_400_000) })
    assert.equal(marks['x-snapsentry-snapshot-expiry-date-user-tz'], zoned.toString({ timeZoneName: 'never', smallestUnit: 'second' }))
  }
})
