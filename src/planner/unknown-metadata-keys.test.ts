import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { METADATA_KEYS } from './metadata-keys.ts'
import { subscribeMetadata } from './subscribe-metadata.ts'
import { aVolume, theirs } from './testing/builders.ts'
import { boundedDistance, closestKnownKey, unknownMetadataKeys } from './unknown-metadata-keys.ts'

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

  test('the bounded search names the same key as computing every distance in full (registry order, same family first)', () => {
    // The search as it was before it was bounded: every candidate's full distance.
    const full = (a: string, b: string): number => {
      let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
      for (let i = 1; i <= a.length; i++) {
        const row = [i]
        for (let j = 1; j <= b.length; j++) row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)))
        prev = row
      }
      return prev[b.length]!
    }
    const candidates = [...METADATA_KEYS.map((k) => k.key), 'x-snapwarden-backup-skip']
    const reference = (key: string): string => {
      const lower = key.slice(0, 255).toLowerCase()
      const family = ['x-snapwarden-', 'x-snapsentry-'].find((p) => lower.startsWith(p))
      let best = candidates[0]!
      let bestScore = Number.POSITIVE_INFINITY
      for (const c of candidates) {
        const score = (c.startsWith(`${lower}-`) ? 1 : full(lower, c)) * 2 + (family && c.startsWith(family) ? 0 : 1)
        if (score < bestScore) [best, bestScore] = [c, score]
      }
      return best
    }
    let seed = 7
    const next = (n: number): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648), seed % n)
    const alphabet = 'abcdefghijklmnopqrstuvwxyz-_XS0123456789'
    const keys: string[] = ['x', 'X-SNAPWARDEN-', 'x-snapwarden-daily', 'x-snapsentry-weekly-start-day', `x-snapwarden-${'q'.repeat(300)}`]
    for (let n = 0; n < 400; n++) {
      let key = candidates[next(candidates.length)]!
      for (let edits = 1 + next(6); edits > 0; edits--) {
        const at = next(key.length + 1)
        const op = next(4)
        const ch = alphabet[next(alphabet.length)]!
        key = op === 0 ? key.slice(0, at) + ch + key.slice(at) : op === 1 ? key.slice(0, at) + key.slice(at + 1) : op === 2 ? key.slice(0, at) + ch + key.slice(at + 1) : key.slice(0, at)
      }
      keys.push(next(5) === 0 ? key.toUpperCase() : key)
    }
    for (const key of keys) assert.equal(closestKnownKey(key), reference(key), key)
    // and the distance itself, within its bound and beyond it
    for (const [a, b] of [['kitten', 'sitting'], ['', 'abc'], ['abc', ''], ['flaw', 'lawn'], ['x-snapwarden-daily', 'x-snapsentry-weekly']] as const) {
      const d = full(a, b)
      assert.equal(boundedDistance(a, b, d), d, `${a}/${b}`)
      assert.equal(boundedDistance(a, b, Number.POSITIVE_INFINITY), d)
      if (d > 0) assert.ok(boundedDistance(a, b, d - 1) > d - 1, `${a}/${b} beyond ${d - 1}`)
    }
  })
})
