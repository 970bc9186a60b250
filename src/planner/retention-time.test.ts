import { test } from 'node:test'
import assert from 'node:assert/strict'
import { formatRetentionTime, parseRetentionTime, retentionCutoff, type RetentionTime } from './retention-time.ts'

const zero: RetentionTime = { years: 0, months: 0, weeks: 0, days: 0, hours: 0, minutes: 0, seconds: 0 }

const valid: readonly [string, Partial<RetentionTime>][] = [
  ['20min', { minutes: 20 }],
  ['1y2mon', { years: 1, months: 2 }],
  ['3w4d', { weeks: 3, days: 4 }],
  ['12h30min', { hours: 12, minutes: 30 }],
  ['2D', { days: 2 }],
  [' 7d ', { days: 7 }],
  ['1Y2MON3W4D5H6MIN7S', { years: 1, months: 2, weeks: 3, days: 4, hours: 5, minutes: 6, seconds: 7 }],
  ['0y30d', { days: 30 }],
  ['45s', { seconds: 45 }],
]

for (const [text, want] of valid) {
  test(`parseRetentionTime accepts '${text}'`, () => {
    assert.deepEqual(parseRetentionTime(text), { ok: true, value: { ...zero, ...want } })
  })
}

const invalid: readonly [string, RegExp][] = [
  ['1d2w', /'w' after 'd'.*order/],
  ['30min1h', /'h' after 'min'/],
  ['5x', /unknown unit 'x'/],
  ['1m', /unknown unit 'm'.*mon.*min/],
  ['', /empty/],
  ['   ', /empty/],
  ['-1d', /negative/],
  ['1d-2h', /negative/],
  ['1d1d', /repeats the unit 'd'/],
  ['d', /without a number/],
  ['12', /without a unit/],
  ['1.5d', /without a unit/],
  ['1d 2h', /without a number/],
  ['0d', /zero/],
  ['2000y', /longer than 1000 years/],
  ['99999999999999999999d', /longer than 1000 years/],
]

for (const [text, message] of invalid) {
  test(`parseRetentionTime refuses '${text}' and names the accepted grammar`, () => {
    const result = parseRetentionTime(text)
    assert.equal(result.ok, false)
    if (result.ok) return
    assert.match(result.message, message)
    assert.match(result.accepted, /y, mon, w, d, h, min, s/)
  })
}

test('formatRetentionTime writes the parts back in grammar order', () => {
  const parsed = parseRetentionTime('1y2mon3w4d5h6min7s')
  assert.ok(parsed.ok)
  assert.equal(formatRetentionTime(parsed.value), '1y2mon3w4d5h6min7s')
  assert.equal(formatRetentionTime({ ...zero, minutes: 20 }), '20min')
})

const cutoffs: readonly [string, string, string, string?][] = [
  // [retention, now, expected cutoff, timezone]
  ['20min', '2024-05-10T12:00:00Z', '2024-05-10T11:40:00.000Z'],
  ['1mon', '2024-03-31T10:00:00Z', '2024-02-29T10:00:00.000Z'],
  ['1mon', '2023-03-31T10:00:00Z', '2023-02-28T10:00:00.000Z'],
  ['1y', '2024-02-29T00:00:00Z', '2023-02-28T00:00:00.000Z'],
  // months first (clamped), then days: Mar 31 − 1mon = Feb 29, − 1d = Feb 28.
  ['1mon1d', '2024-03-31T00:00:00Z', '2024-02-28T00:00:00.000Z'],
  ['1y2mon3w4d5h6min7s', '2024-06-15T12:00:00Z', '2023-03-21T06:53:53.000Z'],
  // In a zone, days are wall-clock days: across the spring-forward gap 1d is 23 hours.
  ['1d', '2024-03-31T12:00:00Z', '2024-03-30T13:00:00.000Z', 'Europe/Berlin'],
  ['24h', '2024-03-31T12:00:00Z', '2024-03-30T12:00:00.000Z', 'Europe/Berlin'],
  // Months count on the zone's calendar: 23:30Z on Mar 30 is 00:30 on Mar 31 in Berlin → Feb 29 00:30+01:00,
  // while in UTC it is Mar 30 → Feb 29 (clamped) 23:30Z.
  ['1mon', '2024-03-30T23:30:00Z', '2024-02-28T23:30:00.000Z', 'Europe/Berlin'],
  ['1mon', '2024-03-30T23:30:00Z', '2024-02-29T23:30:00.000Z'],
]

for (const [text, now, want, timezone] of cutoffs) {
  test(`retentionCutoff of '${text}' at ${now}${timezone ? ` in ${timezone}` : ''} is ${want}`, () => {
    const parsed = parseRetentionTime(text)
    assert.ok(parsed.ok)
    assert.equal(retentionCutoff(parsed.value, new Date(now), timezone).toISOString(), want)
  })
}
