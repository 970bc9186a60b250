import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { parseSnapshotPolicies } from './snapshot-policy.ts'
import { METADATA_KEYS } from './metadata-keys.ts'
import { aVolume, ours, theirs, VOLUME_ID } from './testing/builders.ts'

const parse = (metadata: Record<string, string>) => parseSnapshotPolicies(aVolume({ metadata }))

describe('parseSnapshotPolicies: valid metadata', () => {
  test('a SnapSentry daily subscription becomes a daily policy with its zone, time and retention', () => {
    const { policies, problems } = parse(theirs('daily', { 'start-time': '08:00', timezone: 'Asia/Kolkata', 'retention-days': '5', 'retention-type': 'time' }))
    assert.deepEqual(problems, [])
    assert.deepEqual(policies, [
      {
        name: 'daily',
        schedule: { kind: 'daily', timezone: 'Asia/Kolkata', startTime: { hour: 8, minute: 0 } },
        retention: { maxAgeDays: 5, timezone: 'Asia/Kolkata' },
        source: 'snapsentry',
      },
    ])
  })

  test('absent keys take SnapSentry’s defaults: UTC, 00:00, Sunday, day 1, every 6 hours, per-kind days', () => {
    const { policies } = parse({ ...theirs('express'), ...theirs('daily'), ...theirs('weekly'), ...theirs('monthly') })
    assert.deepEqual(
      policies.map((p) => [p.schedule, p.retention.maxAgeDays]),
      [
        [{ kind: 'express', timezone: 'UTC', startTime: { hour: 0, minute: 0 }, intervalHours: 6 }, 1],
        [{ kind: 'daily', timezone: 'UTC', startTime: { hour: 0, minute: 0 } }, 2],
        [{ kind: 'weekly', timezone: 'UTC', startTime: { hour: 0, minute: 0 }, weekday: 7 }, 7],
        [{ kind: 'monthly', timezone: 'UTC', startTime: { hour: 0, minute: 0 }, dayOfMonth: 1 }, 30],
      ],
    )
  })

  test('config defaults replace the built-in ones for absent keys only', () => {
    const { policies } = parseSnapshotPolicies(aVolume({ metadata: theirs('daily', { timezone: 'Europe/Berlin' }) }), {
      timezone: 'America/New_York',
      startTime: { hour: 3, minute: 15 },
      retentionDays: { daily: 9 },
    })
    assert.deepEqual(policies[0]!.schedule, { kind: 'daily', timezone: 'Europe/Berlin', startTime: { hour: 3, minute: 15 } })
    assert.equal(policies[0]!.retention.maxAgeDays, 9)
  })

  test('our keys win over SnapSentry’s field by field, and an overridden SnapSentry key is not read', () => {
    const { policies, problems } = parse({
      ...theirs('daily', { 'start-time': '99:99', timezone: 'Europe/Berlin' }),
      ...ours('daily', { 'start-time': '04:30' }),
    })
    assert.deepEqual(problems, [])
    assert.deepEqual(policies[0]!.schedule, { kind: 'daily', timezone: 'Europe/Berlin', startTime: { hour: 4, minute: 30 } })
    assert.equal(policies[0]!.source, 'snapwarden')
  })

  test('x-snapwarden-K-enabled=false switches off a policy SnapSentry’s key enables', () => {
    assert.deepEqual(parse({ ...theirs('daily'), 'x-snapwarden-daily-enabled': 'false' }).policies, [])
  })

  test('K-enabled=true opts in without x-snapsentry-managed', () => {
    assert.equal(parse({ 'x-snapsentry-weekly-enabled': 'TRUE' }).policies.length, 1)
  })

  test('managed=false on the volume opts out every policy, ours winning over SnapSentry’s', () => {
    assert.deepEqual(parse({ ...theirs('daily'), 'x-snapsentry-managed': 'false' }).policies, [])
    assert.equal(parse({ ...theirs('daily'), 'x-snapsentry-managed': 'false', 'x-snapwarden-managed': 'true' }).policies.length, 1)
  })

  test('weekdays are read as names, abbreviations or digits in any case, 0 and 7 meaning Sunday', () => {
    const cases: [string, number][] = [['Monday', 1], ['sun', 7], ['1', 1], ['0', 7], ['7', 7], ['FRIDAY', 5], ['Wed', 3]]
    for (const [raw, want] of cases) {
      const p = parse(theirs('weekly', { 'start-day-of-week': raw })).policies[0]!
      assert.equal(p.schedule.kind === 'weekly' && p.schedule.weekday, want, raw)
    }
  })

  test('both SnapSentry monthly day keys are accepted, alone or agreeing', () => {
    const day = (m: Record<string, string>) => {
      const s = parse(m).policies[0]?.schedule
      return s?.kind === 'monthly' ? s.dayOfMonth : undefined
    }
    assert.equal(day(theirs('monthly', { 'day-of-month': '15' })), 15)
    assert.equal(day(theirs('monthly', { 'start-day-of-month': '20' })), 20)
    assert.equal(day(theirs('monthly', { 'start-day-of-month': '31', 'day-of-month': '31' })), 31)
  })

  test('a SnapSentry retention-days ≤ 0 means its per-kind default', () => {
    assert.equal(parse(theirs('weekly', { 'retention-days': '0' })).policies[0]!.retention.maxAgeDays, 7)
    assert.equal(parse(theirs('monthly', { 'retention-days': '-3' })).policies[0]!.retention.maxAgeDays, 30)
  })

  test('keep-count and keep-* tiers replace the default age rule', () => {
    const { policies } = parse(ours('daily', { 'keep-count': '3', 'keep-daily': '7', 'keep-weekly': '4', 'keep-monthly': '0', timezone: 'europe/berlin' }))
    assert.deepEqual(policies[0]!.retention, { keepCount: 3, tiers: { daily: 7, weekly: 4 }, timezone: 'Europe/Berlin' })
  })

  test('express reads our start-time as the slot anchor and the interval from either namespace', () => {
    const s = parse({ ...theirs('express', { 'interval-hours': '8' }), ...ours('express', { 'start-time': '01:00' }) }).policies[0]!.schedule
    assert.deepEqual(s, { kind: 'express', timezone: 'UTC', startTime: { hour: 1, minute: 0 }, intervalHours: 8 })
  })

  test('keys of a disabled policy are not validated', () => {
    assert.deepEqual(parse({ 'x-snapsentry-daily-enabled': 'false', 'x-snapsentry-daily-start-time': 'never' }), { policies: [], problems: [], heldExpiry: [] })
  })
})

describe('parseSnapshotPolicies: every bad value names the volume, key, value and what is accepted', () => {
  const bad: [string, Record<string, string>, string, string][] = []
  // [case name, metadata, offending key, reason]
  for (const src of ['snapsentry', 'snapwarden'] as const) {
    const sub = src === 'snapsentry' ? theirs : ours
    const p = `x-${src}`
    bad.push(
      [`${src} enabled`, { [`${p}-daily-enabled`]: 'yes' }, `${p}-daily-enabled`, 'is not a boolean'],
      [`${src} timezone`, sub('daily', { timezone: 'Mars/Olympus' }), `${p}-daily-timezone`, 'is not a time zone'],
      [`${src} start-time`, sub('daily', { 'start-time': '25:00' }), `${p}-daily-start-time`, 'is not a time'],
      [`${src} start-time minutes`, sub('weekly', { 'start-time': '10:60' }), `${p}-weekly-start-time`, 'is not a time'],
      [`${src} start-time text`, sub('monthly', { 'start-time': 'noon' }), `${p}-monthly-start-time`, 'is not a time'],
      [`${src} interval`, sub('express', { 'interval-hours': '5' }), `${p}-express-interval-hours`, 'is not a supported interval'],
      [`${src} retention-days`, sub('daily', { 'retention-days': 'two' }), `${p}-daily-retention-days`, 'is not an integer'],
    )
  }
  bad.push(
    ['snapsentry weekday', theirs('weekly', { 'start-day-of-week': 'Caturday' }), 'x-snapsentry-weekly-start-day-of-week', 'is not a weekday'],
    ['snapwarden weekday', ours('weekly', { weekday: '8' }), 'x-snapwarden-weekly-weekday', 'is not a weekday'],
    ['snapsentry day-of-month', theirs('monthly', { 'day-of-month': '32' }), 'x-snapsentry-monthly-day-of-month', 'is out of range'],
    ['snapsentry start-day-of-month', theirs('monthly', { 'start-day-of-month': '0' }), 'x-snapsentry-monthly-start-day-of-month', 'is out of range'],
    ['snapwarden day-of-month', ours('monthly', { 'day-of-month': '1.5' }), 'x-snapwarden-monthly-day-of-month', 'is not an integer'],
    ['conflicting monthly days', theirs('monthly', { 'start-day-of-month': '1', 'day-of-month': '15' }), 'x-snapsentry-monthly-day-of-month', 'disagrees with x-snapsentry-monthly-start-day-of-month="1"'],
    ['retention-type', theirs('daily', { 'retention-type': 'forever' }), 'x-snapsentry-daily-retention-type', 'is not a retention type'],
    ['snapwarden retention-days negative', ours('daily', { 'retention-days': '-1' }), 'x-snapwarden-daily-retention-days', 'is out of range'],
    ['no retention rule left', ours('daily', { 'retention-days': '0' }), 'x-snapwarden-daily-retention-days', 'leaves the policy without any retention rule'],
    ['keep-count zero', ours('daily', { 'keep-count': '0' }), 'x-snapwarden-daily-keep-count', 'is out of range'],
    ['keep-last', ours('daily', { 'keep-last': 'many' }), 'x-snapwarden-daily-keep-last', 'is not an integer'],
    ['keep-hourly', ours('express', { 'keep-hourly': '-2' }), 'x-snapwarden-express-keep-hourly', 'is out of range'],
    ['keep-daily', ours('daily', { 'keep-daily': '1e3' }), 'x-snapwarden-daily-keep-daily', 'is not an integer'],
    ['keep-weekly', ours('weekly', { 'keep-weekly': '' }), 'x-snapwarden-weekly-keep-weekly', 'is not an integer'],
    ['keep-monthly', ours('monthly', { 'keep-monthly': '99999' }), 'x-snapwarden-monthly-keep-monthly', 'is out of range'],
    ['keep-yearly', ours('monthly', { 'keep-yearly': 'x' }), 'x-snapwarden-monthly-keep-yearly', 'is not an integer'],
    ['volume managed', { ...theirs('daily'), 'x-snapwarden-managed': 'maybe' }, 'x-snapwarden-managed', 'is not a boolean'],
  )
  for (const [name, metadata, key, reason] of bad) {
    test(`${name}: ${key}=${JSON.stringify(metadata[key])} is reported and its policy skipped`, () => {
      const { policies, problems } = parse(metadata)
      assert.equal(problems.length, 1, JSON.stringify(problems))
      const p = problems[0]!
      const accepted = p.accepted
      assert.equal(p.volumeId, VOLUME_ID)
      assert.equal(p.key, key)
      assert.equal(p.value, metadata[key])
      assert.ok(accepted.length > 0)
      assert.equal(p.message, `volume ${VOLUME_ID} (db-data): ${key}=${JSON.stringify(metadata[key])} ${reason}; accepted: ${accepted}`)
      assert.deepEqual(policies, [])
    })
  }

  test('the message reads like the documented example', () => {
    const p = parse(theirs('daily', { 'start-time': '25:00' })).problems[0]!
    assert.equal(p.message, `volume ${VOLUME_ID} (db-data): x-snapsentry-daily-start-time="25:00" is not a time; accepted: HH:MM, 00:00–23:59`)
    assert.equal(p.policy, 'daily')
  })

  test('a bad policy is skipped while the volume’s other valid policies still come out', () => {
    const { policies, problems } = parse({ ...theirs('daily', { 'start-time': '25:00' }), ...theirs('weekly'), ...ours('express') })
    assert.deepEqual(policies.map((p) => p.name), ['express', 'weekly'])
    assert.deepEqual(problems.map((p) => p.policy), ['daily'])
  })

  test('every registry key is covered by the parser (a valid value of each parses without problems)', () => {
    const valid: Record<string, string> = {
      boolean: 'true', timezone: 'UTC', startTime: '01:00', weekday: 'mon', dayOfMonth: '3', intervalHours: '12',
      retentionDays: '4', retentionType: 'time', keepCount: '2', keepLast: '1', keepHourly: '1', keepDaily: '1', keepWeekly: '1', keepMonthly: '1', keepYearly: '1',
    }
    for (const k of METADATA_KEYS) {
      const value = k.type === 'boolean' ? 'true' : valid[k.field]!
      const metadata = k.scope === 'volume' ? { ...theirs('daily'), [k.key]: value } : { [`x-snapsentry-${k.scope}-enabled`]: 'true', [k.key]: value }
      assert.deepEqual(parse(metadata).problems, [], k.key)
    }
  })
})

describe('parseSnapshotPolicies: unknown keys under our prefixes', () => {
  test('a misspelt key is a problem of its policy with the closest known key, holds that policy and leaves it active', () => {
    const { policies, problems, heldExpiry } = parse({ ...theirs('daily'), 'x-snapwarden-daily-retention': '7' })
    assert.deepEqual(policies.map((p) => p.name), ['daily'])
    assert.deepEqual(problems.map((p) => [p.policy, p.key, p.value]), [['daily', 'x-snapwarden-daily-retention', '7']])
    assert.match(problems[0]!.message, /did you mean x-snapwarden-daily-retention-days\?/)
    assert.deepEqual(heldExpiry, [{ policy: 'daily', keys: ['x-snapwarden-daily-retention'] }])
  })

  test('unknown keys are reported also on an opted-out volume and beside an invalid managed value', () => {
    assert.equal(parse({ 'x-snapwarden-managed': 'false', 'x-snapsentry-weekly-enabeld': 'true' }).problems.length, 1)
    const r = parse({ 'x-snapwarden-managed': 'maybe', 'x-snapsentry-weekly-enabeld': 'true' })
    assert.deepEqual(r.problems.map((p) => p.key), ['x-snapwarden-managed', 'x-snapsentry-weekly-enabeld'])
    assert.deepEqual(r.heldExpiry.map((h) => h.policy), ['weekly'])
  })
})

describe('parseSnapshotPolicies: volumes read once, tag sets parsed once (issue 9), results per volume', () => {
  test('a volume whose only key of ours has another case is still read and reported (the early skip sees it)', () => {
    const r = parse({ owner: 'team-a', 'X-Snapwarden-Daily-Enabled': 'true' })
    assert.deepEqual(r.problems.map((p) => p.key), ['X-Snapwarden-Daily-Enabled'])
    assert.deepEqual(r.heldExpiry.map((h) => h.policy), ['daily'])
  })

  test('after a clean volume, a volume with the same tags plus a misspelling or another value gets its own result', () => {
    const tags = ours('daily', { 'keep-count': '7' })
    assert.deepEqual(parse(tags).problems, [])
    const typo = parse({ ...tags, 'x-snapwarden-daily-retention': '5' })
    assert.deepEqual(typo.problems.map((p) => p.key), ['x-snapwarden-daily-retention'])
    assert.deepEqual(typo.heldExpiry.map((h) => h.policy), ['daily'])
    assert.equal(parse({ ...tags, 'x-snapwarden-daily-keep-count': '3' }).policies[0]!.retention.keepCount, 3)
    assert.equal(parse({ ...tags, 'x-snapwarden-daily-keep-count': 'x' }).problems[0]!.value, 'x')
  })

  test('the same tags under other config defaults take those defaults, and a problem names each volume', () => {
    const metadata = ours('daily')
    assert.equal(parseSnapshotPolicies(aVolume({ metadata })).policies[0]!.schedule.timezone, 'UTC')
    assert.equal(parseSnapshotPolicies(aVolume({ metadata }), { timezone: 'Europe/Berlin' }).policies[0]!.schedule.timezone, 'Europe/Berlin')
    const bad = { ...metadata, 'x-snapwarden-daily-start-time': '25:00' }
    const a = parseSnapshotPolicies(aVolume({ id: 'vol-a', metadata: bad }))
    const b = parseSnapshotPolicies(aVolume({ id: 'vol-b', metadata: bad }))
    assert.deepEqual([a.problems[0]!.volumeId, b.problems[0]!.volumeId], ['vol-a', 'vol-b'])
  })

  test('a shared result is not shared state: changing one volume’s policy list leaves the next volume’s alone', () => {
    const metadata = ours('weekly')
    const first = parse(metadata).policies
    first.pop()
    assert.equal(parse(metadata).policies.length, 1)
  })
})
