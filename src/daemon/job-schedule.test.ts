import assert from 'node:assert/strict'
import { test } from 'node:test'
import { InvalidScheduleError } from './errors.ts'
import { nextRuns, validateJobSchedule } from './job-schedule.ts'

const iso = (ds: Date[]) => ds.map((d) => d.toISOString())

test('every ten minutes runs on the next multiples of ten after the given instant', () => {
  const runs = nextRuns({ cron: '*/10 * * * *', timezone: 'UTC' }, 3, new Date('2026-01-10T08:03:20Z'))
  assert.deepEqual(iso(runs), ['2026-01-10T08:10:00.000Z', '2026-01-10T08:20:00.000Z', '2026-01-10T08:30:00.000Z'])
})

test('a daily 02:30 job in Europe/Berlin runs at 03:00 on the night the clocks spring forward', () => {
  const runs = nextRuns({ cron: '30 2 * * *', timezone: 'Europe/Berlin' }, 3, new Date('2026-03-27T12:00:00Z'))
  // 02:30 CET = 01:30Z; on 2026-03-29 02:30 does not exist, so it runs at 03:00 CEST = 01:00Z; then 02:30 CEST = 00:30Z.
  assert.deepEqual(iso(runs), ['2026-03-28T01:30:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z'])
})

test('a daily 02:30 job in Europe/Berlin runs once on the night the clocks fall back', () => {
  const runs = nextRuns({ cron: '30 2 * * *', timezone: 'Europe/Berlin' }, 2, new Date('2026-10-24T12:00:00Z'))
  // 2026-10-25 02:30 happens twice (CEST 00:30Z, CET 01:30Z): a fixed-time job runs at the first only.
  assert.deepEqual(iso(runs), ['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z'])
})

test('the same cron expression runs at different instants in different time zones', () => {
  const from = new Date('2026-06-01T00:00:00Z')
  const [utc] = nextRuns({ cron: '0 3 * * *', timezone: 'UTC' }, 1, from)
  const [tokyo] = nextRuns({ cron: '0 3 * * *', timezone: 'Asia/Tokyo' }, 1, from)
  assert.equal(utc?.toISOString(), '2026-06-01T03:00:00.000Z')
  assert.equal(tokyo?.toISOString(), '2026-06-01T18:00:00.000Z')
})

test('a fixed-period job runs every period after its last run', () => {
  const runs = nextRuns({ everySeconds: 600 }, 3, new Date('2026-01-10T08:03:20Z'))
  assert.deepEqual(iso(runs), ['2026-01-10T08:13:20.000Z', '2026-01-10T08:23:20.000Z', '2026-01-10T08:33:20.000Z'])
})

test('a cron expression with four fields is rejected with the option and value named', () => {
  assert.throws(
    () => validateJobSchedule({ cron: '*/10 * * *', timezone: 'UTC' }, { schedule: '--create-schedule' }),
    (err: unknown) =>
      err instanceof InvalidScheduleError &&
      err.code === 'CONFIG_INVALID' &&
      err.message === '--create-schedule "*/10 * * *": expected 5 fields (minute hour day-of-month month day-of-week), got 4',
  )
})

test('a six-field (seconds) cron expression is rejected', () => {
  assert.throws(() => validateJobSchedule({ cron: '0 */10 * * * *', timezone: 'UTC' }), /expected 5 fields.*got 6/)
})

test('an out-of-range minute is rejected with croner\'s reason', () => {
  assert.throws(
    () => validateJobSchedule({ cron: '61 * * * *', timezone: 'UTC' }, { schedule: '--expire-schedule' }),
    /^InvalidScheduleError: --expire-schedule "61 \* \* \* \*": Invalid value for minute: 61$/,
  )
})

test('an unknown time zone is rejected naming the time-zone option', () => {
  assert.throws(
    () => validateJobSchedule({ cron: '0 * * * *', timezone: 'Mars/Olympus' }, { timezone: '--timezone' }),
    /--timezone "Mars\/Olympus": unknown time zone/,
  )
})

test('a period that is not a positive whole number of seconds is rejected', () => {
  for (const everySeconds of [0, -5, 1.5, Number.NaN]) {
    assert.throws(() => validateJobSchedule({ everySeconds }, { schedule: 'backup_service_period' }), /backup_service_period/)
  }
})
