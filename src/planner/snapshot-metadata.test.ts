import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readSnapshotMarks, snapshotMetadata, snapshotName } from './snapshot-metadata.ts'
import { windowAt } from './schedule.ts'
import { aDailyPolicy, aSnapshot, VOLUME_ID } from './testing/builders.ts'

const policy = aDailyPolicy({
  schedule: { kind: 'daily', timezone: 'Europe/Berlin', startTime: { hour: 2, minute: 30 } },
  retention: { maxAgeDays: 7, timezone: 'Europe/Berlin' },
})
const window = windowAt(policy.schedule, new Date('2026-03-29T12:00:00Z'))

test('a created snapshot is named after policy, volume and window start in UTC', () => {
  assert.equal(snapshotName('daily', VOLUME_ID, window), `snapwarden-daily-${VOLUME_ID}-20260329T0100Z`)
})

test('snapshot metadata records the window and SnapSentry-compatible expiry marks', () => {
  assert.deepEqual(snapshotMetadata(policy, window), {
    'x-snapwarden-managed': 'true',
    'x-snapwarden-policy': 'daily',
    'x-snapwarden-window': 'daily/2026-03-29T03:00+02:00[Europe/Berlin]',
    'x-snapwarden-window-start': '2026-03-29T01:00:00Z',
    'x-snapwarden-window-end': '2026-03-30T00:30:00Z',
    'x-snapsentry-snapshot-managed': 'true',
    'x-snapsentry-snapshot-policy-type': 'daily',
    'x-snapsentry-snapshot-expiry-date': '2026-04-05T01:00:00Z',
    'x-snapsentry-snapshot-expiry-date-user-tz': '2026-04-05T03:00:00+02:00',
    'x-snapsentry-snapshot-retention-days': '7',
  })
})

test('without an age rule no expiry marks are written', () => {
  const m = snapshotMetadata(aDailyPolicy({ retention: { keepCount: 3, timezone: 'UTC' } }), window)
  assert.equal(m['x-snapsentry-snapshot-expiry-date'], undefined)
  assert.equal(m['x-snapsentry-snapshot-retention-days'], undefined)
})

test('our own marks read back as written', () => {
  const marks = readSnapshotMarks(aSnapshot({ metadata: snapshotMetadata(policy, window) }))
  assert.deepEqual(marks, {
    managed: true,
    source: 'snapwarden',
    policy: 'daily',
    windowKey: window.key,
    windowStart: window.start,
    expiresAt: new Date('2026-04-05T01:00:00Z'),
  })
})

test('a SnapSentry snapshot gets its window derived from createdAt with the policy’s schedule', () => {
  const s = aSnapshot({
    at: '2026-03-29T01:05:00Z',
    metadata: {
      'x-snapsentry-snapshot-managed': 'true',
      'x-snapsentry-snapshot-policy-type': 'daily',
      'x-snapsentry-snapshot-expiry-date': '2026-04-05T01:00:00Z',
    },
  })
  assert.deepEqual(readSnapshotMarks(s, [policy]), {
    managed: true,
    source: 'snapsentry',
    policy: 'daily',
    windowKey: window.key,
    windowStart: window.start,
    expiresAt: new Date('2026-04-05T01:00:00Z'),
  })
})

test('SnapSentry’s parser key x-snapsentry-managed on a snapshot is recognised too', () => {
  const s = aSnapshot({ metadata: { 'x-snapsentry-managed': 'true', 'x-snapsentry-snapshot-policy-type': 'weekly' } })
  assert.deepEqual(readSnapshotMarks(s, [policy]), { managed: true, source: 'snapsentry', policy: 'weekly' })
})

test('snapshots without our or SnapSentry’s marks are unmanaged', () => {
  assert.deepEqual(readSnapshotMarks(aSnapshot({ metadata: { 'x-snapsentry-snapshot-managed': 'false', other: 'x' } })), {
    managed: false,
    source: 'unmanaged',
  })
})
