import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { METADATA_KEYS } from './metadata-keys.ts'
import { subscribeMetadata } from './subscribe-metadata.ts'
import { aVolume, theirs } from './testing/builders.ts'
import { closestKnownKey, unknownMetadataKeys } from './unknown-metadata-keys.ts'

const scan = (metadata: Record<string, string>) => unknownMetadataKeys(aVolume({ metadata }))

describe('unknownMetadataKeys', () => {
  for (const [key, closest, policy] of [
    ['x-snapwarden-daily-retention', 'x-snapwarden-daily-retention-days', 'daily'],
    ['x-snapwarden-daily-start_time', 'x-snapwarden-daily-start-time', 'daily'],
    ['x-snapsentry-weekly-start-day', 'x-snapsentry-weekly-start-day-of-week', 'weekly'],
    ['x-snapsentry-monthly-retention', 'x-snapsentry-monthly-retention-days', 'monthly'],
    ['x-snapwarden-express-interval', 'x-snapwarden-express-interval-hours', 'express'],
    ['X-Snapwarden-Daily-Enabled', 'x-snapwarden-daily-enabled', 'daily'],
  ] as const) {
    test(`${key} is reported with "did you mean ${closest}" and holds the ${policy} policy only`, () => {
      const { problems, heldExpiry } = scan({ ...theirs('daily'), [key]: '7' })
      assert.equal(problems.length, 1)
      const p = problems[0]!
      assert.deepEqual([p.volumeId, p.policy, p.key, p.value], [aVolume().id, policy, key, '7'])
      assert.ok(p.message.startsWith(`volume ${aVolume().id} (db-data): ${key}="7" is not a known key (did you mean ${closest}?)`), p.message)
      assert.match(p.message, new RegExp(`the ${policy} snapshots of this volume are not expired until it is fixed or removed; accepted: `))
      assert.match(p.accepted, /-\{enabled, timezone, .*\} \(docs\/metadata-keys\.md\)/)
      assert.deepEqual(heldExpiry, [{ policy, keys: [key] }])
    })
  }

  test('a key under our prefix that names no policy holds every policy of the volume', () => {
    const { problems, heldExpiry } = scan({ 'x-snapwarden-dayly-enabled': 'true', 'x-snapsentry-manged': 'true' })
    assert.deepEqual(problems.map((p) => [p.key, p.policy]), [['x-snapsentry-manged', undefined], ['x-snapwarden-dayly-enabled', undefined]])
    assert.match(problems[0]!.message, /did you mean x-snapsentry-managed\?.*no snapshot of this volume is expired/)
    assert.match(problems[1]!.message, /did you mean x-snapwarden-daily-enabled\?/)
    assert.match(problems[1]!.accepted, /x-snapwarden-managed, x-snapwarden-backup-skip or x-snapwarden-<express\|daily\|weekly\|monthly>-<field>/)
    assert.deepEqual(heldExpiry.map((h) => [h.policy, h.keys]), ['express', 'daily', 'weekly', 'monthly'].map((k) => [k, ['x-snapsentry-manged', 'x-snapwarden-dayly-enabled']]))
  })

  test('keys outside x-snapwarden- and x-snapsentry- are ignored, whatever they look like', () => {
    assert.deepEqual(scan({ 'x-snap-warden-daily-enabled': 'true', 'x_snapwarden_daily': '1', billing: 'team-a', 'snapwarden-daily-enabled': 'true', readonly: 'False' }), { problems: [], heldExpiry: [] })
  })

  test('every registry key, the backup opt-out and the marks written on snapshots and backups are known', () => {
    const metadata: Record<string, string> = Object.fromEntries(METADATA_KEYS.map((k) => [k.key, 'x']))
    for (const k of [
      'x-snapwarden-backup-skip', 'x-snapwarden-policy', 'x-snapwarden-window', 'x-snapwarden-window-start', 'x-snapwarden-window-end', 'x-snapwarden-server-id',
      'x-snapsentry-snapshot-managed', 'x-snapsentry-snapshot-policy-type', 'x-snapsentry-snapshot-expiry-date',
      'x-snapsentry-snapshot-expiry-date-user-tz', 'x-snapsentry-snapshot-retention-days',
    ]) metadata[k] = 'x'
    assert.deepEqual(scan(metadata), { problems: [], heldExpiry: [] })
  })

  test('every key SnapSentry writes or reads on a volume is known (switching from SnapSentry raises nothing)', () => {
    // SnapSentry (Go): its subscribe (ToOpenstackMetadata of each policy), its parser's struct tags, and
    // its Glance metadefs script; its README's subscribe examples write these.
    const snapsentry = ['x-snapsentry-managed']
    for (const kind of ['express', 'daily', 'weekly', 'monthly']) {
      snapsentry.push(...['enabled', 'retention-days', 'retention-type', 'timezone'].map((f) => `x-snapsentry-${kind}-${f}`))
      if (kind !== 'express') snapsentry.push(`x-snapsentry-${kind}-start-time`)
    }
    snapsentry.push('x-snapsentry-express-interval-hours', 'x-snapsentry-weekly-start-day-of-week', 'x-snapsentry-monthly-start-day-of-month', 'x-snapsentry-monthly-day-of-month')
    assert.deepEqual(scan(Object.fromEntries(snapsentry.map((k) => [k, '1']))), { problems: [], heldExpiry: [] })
  })

  test('every key our subscribe writes is known', () => {
    for (const kind of ['express', 'daily', 'weekly', 'monthly'] as const) {
      const written = subscribeMetadata(kind, {
        timezone: 'UTC', startTime: { hour: 1, minute: 0 }, weekday: 1, dayOfMonth: 2, intervalHours: 8, retentionDays: 3,
        keepCount: 1, keepLast: 1, keepHourly: 1, keepDaily: 1, keepWeekly: 1, keepMonthly: 1, keepYearly: 1,
      })
      assert.deepEqual(scan(written), { problems: [], heldExpiry: [] }, kind)
    }
  })

  test('closestKnownKey prefers the key of the same family on a tie', () => {
    assert.equal(closestKnownKey('x-snapsentry-daily-enable'), 'x-snapsentry-daily-enabled')
    assert.equal(closestKnownKey('x-snapwarden-daily-enable'), 'x-snapwarden-daily-enabled')
  })
})
