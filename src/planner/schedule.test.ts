import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { ExpressInterval, IsoWeekday, Schedule, ScheduleWindow } from '../domain/policy.ts'
import { nextRunAfter, nextWindowAfter, previousWindow, resolveWallClock, windowAt, windowsBetween } from './schedule.ts'
import { Temporal } from 'temporal-polyfill'

const d = (iso: string): Date => new Date(iso)
const iso = (w: ScheduleWindow) => ({ key: w.key, start: w.start.toISOString(), end: w.end.toISOString() })
const hours = (w: ScheduleWindow): number => (w.end.getTime() - w.start.getTime()) / 3_600_000
const t = (hour: number, minute = 0) => ({ hour, minute })

const daily = (timezone: string, hour: number, minute = 0): Schedule => ({ kind: 'daily', timezone, startTime: t(hour, minute) })
const weekly = (timezone: string, weekday: IsoWeekday, hour: number, minute = 0): Schedule => ({
  kind: 'weekly',
  timezone,
  weekday,
  startTime: t(hour, minute),
})
const monthly = (timezone: string, dayOfMonth: number, hour: number, minute = 0): Schedule => ({
  kind: 'monthly',
  timezone,
  dayOfMonth,
  startTime: t(hour, minute),
})
const express = (timezone: string, intervalHours: ExpressInterval, hour = 0): Schedule => ({
  kind: 'express',
  timezone,
  intervalHours,
  startTime: t(hour),
})

describe('windowAt: named cases', () => {
  test('a daily window opens at the start time and lasts until the next day’s start time', () => {
    assert.deepEqual(iso(windowAt(daily('UTC', 8), d('2026-05-10T12:00:00Z'))), {
      key: 'daily/2026-05-10T08:00+00:00[UTC]',
      start: '2026-05-10T08:00:00.000Z',
      end: '2026-05-11T08:00:00.000Z',
    })
  })

  test('before today’s start time, the window is yesterday’s', () => {
    assert.equal(windowAt(daily('UTC', 8), d('2026-05-10T07:59:59Z')).key, 'daily/2026-05-09T08:00+00:00[UTC]')
  })

  test('exactly at the start time the new window has begun (start is inclusive, end exclusive)', () => {
    assert.equal(windowAt(daily('UTC', 8), d('2026-05-10T08:00:00Z')).key, 'daily/2026-05-10T08:00+00:00[UTC]')
  })

  test('Asia/Kolkata (+05:30, no DST) places an 08:00 start at 02:30 UTC every day', () => {
    const ws = windowsBetween(daily('Asia/Kolkata', 8), d('2026-03-01T03:00:00Z'), d('2026-03-04T03:00:00Z'))
    assert.deepEqual(
      ws.map((w) => w.start.toISOString()),
      ['2026-03-01T02:30:00.000Z', '2026-03-02T02:30:00.000Z', '2026-03-03T02:30:00.000Z', '2026-03-04T02:30:00.000Z'],
    )
    assert.ok(ws.every((w) => hours(w) === 24))
    assert.equal(ws[0]!.key, 'daily/2026-03-01T08:00+05:30[Asia/Kolkata]')
  })

  test('a weekly window runs from the weekday at the start time for one week', () => {
    // 2026-05-13 is a Wednesday; weekday 1 = Monday.
    assert.deepEqual(iso(windowAt(weekly('UTC', 1, 6), d('2026-05-13T00:00:00Z'))), {
      key: 'weekly/2026-05-11T06:00+00:00[UTC]',
      start: '2026-05-11T06:00:00.000Z',
      end: '2026-05-18T06:00:00.000Z',
    })
    // Monday before 06:00 still belongs to last week's window.
    assert.equal(windowAt(weekly('UTC', 1, 6), d('2026-05-18T05:00:00Z')).key, 'weekly/2026-05-11T06:00+00:00[UTC]')
  })

  test('a monthly day-of-month past the month’s end is clamped to its last day', () => {
    const s = monthly('UTC', 31, 1)
    assert.deepEqual(iso(windowAt(s, d('2026-03-01T00:00:00Z'))), {
      key: 'monthly/2026-02-28T01:00+00:00[UTC]',
      start: '2026-02-28T01:00:00.000Z',
      end: '2026-03-31T01:00:00.000Z',
    })
    assert.equal(nextWindowAfter(s, d('2026-03-31T01:00:00Z')).key, 'monthly/2026-04-30T01:00+00:00[UTC]')
  })

  test('express slots start at local midnight plus multiples of the interval', () => {
    const s = express('Europe/Berlin', 8)
    assert.equal(windowAt(s, d('2026-05-10T10:00:00Z')).key, 'express/2026-05-10T08:00+02:00[Europe/Berlin]')
    assert.equal(windowAt(s, d('2026-05-10T21:59:00Z')).key, 'express/2026-05-10T16:00+02:00[Europe/Berlin]')
    assert.equal(windowAt(s, d('2026-05-10T22:00:00Z')).key, 'express/2026-05-11T00:00+02:00[Europe/Berlin]')
  })

  test('previousWindow, nextWindowAfter and nextRunAfter step one window back or forward', () => {
    const s = daily('UTC', 8)
    const now = d('2026-05-10T12:00:00Z')
    assert.equal(previousWindow(s, now).key, 'daily/2026-05-09T08:00+00:00[UTC]')
    assert.equal(nextWindowAfter(s, now).key, 'daily/2026-05-11T08:00+00:00[UTC]')
    assert.equal(nextRunAfter(s, now).toISOString(), '2026-05-11T08:00:00.000Z')
  })
})

describe('windowAt across DST transitions', () => {
  test('Berlin spring-forward: a 02:30 start falls into the gap and the window opens when the gap ends', () => {
    const s = daily('Europe/Berlin', 2, 30)
    const w = windowAt(s, d('2026-03-29T12:00:00Z'))
    assert.deepEqual(iso(w), {
      key: 'daily/2026-03-29T03:00+02:00[Europe/Berlin]',
      start: '2026-03-29T01:00:00.000Z',
      end: '2026-03-30T00:30:00.000Z',
    })
    const before = previousWindow(s, d('2026-03-29T12:00:00Z'))
    assert.equal(before.end.getTime(), w.start.getTime())
    assert.equal(hours(before), 23.5) // 02:30+01:00 → 03:00+02:00
  })

  test('Berlin fall-back: a 02:30 start uses the first of the two 02:30s and the window lasts 25 hours', () => {
    const w = windowAt(daily('Europe/Berlin', 2, 30), d('2026-10-25T01:45:00Z')) // 02:45+01:00, the second pass
    assert.deepEqual(iso(w), {
      key: 'daily/2026-10-25T02:30+02:00[Europe/Berlin]',
      start: '2026-10-25T00:30:00.000Z',
      end: '2026-10-26T01:30:00.000Z',
    })
    assert.equal(hours(w), 25)
  })

  test('Berlin express every 6 hours: the 00:00 slot lasts 5 hours on spring-forward and 7 on fall-back', () => {
    const s = express('Europe/Berlin', 6)
    const spring = windowAt(s, d('2026-03-29T00:30:00Z'))
    assert.equal(spring.key, 'express/2026-03-29T00:00+01:00[Europe/Berlin]')
    assert.equal(hours(spring), 5)
    const fall = windowAt(s, d('2026-10-25T01:30:00Z'))
    assert.equal(fall.key, 'express/2026-10-25T00:00+02:00[Europe/Berlin]')
    assert.equal(hours(fall), 7)
  })

  test('New York spring-forward: a 02:30 start opens at 03:00-04:00', () => {
    const w = windowAt(daily('America/New_York', 2, 30), d('2026-03-08T12:00:00Z'))
    assert.equal(w.key, 'daily/2026-03-08T03:00-04:00[America/New_York]')
    assert.equal(w.start.toISOString(), '2026-03-08T07:00:00.000Z')
  })

  test('New York fall-back: a 01:30 start uses the first 01:30 (EDT) and the window lasts 25 hours', () => {
    const w = windowAt(daily('America/New_York', 1, 30), d('2026-11-01T06:45:00Z')) // 01:45 EST, second pass
    assert.equal(w.key, 'daily/2026-11-01T01:30-04:00[America/New_York]')
    assert.equal(hours(w), 25)
  })

  test('Lord Howe spring-forward skips only 30 minutes: a 02:15 start opens at 02:30+11:00', () => {
    const w = windowAt(daily('Australia/Lord_Howe', 2, 15), d('2026-10-04T00:00:00Z'))
    assert.equal(w.key, 'daily/2026-10-04T02:30+11:00[Australia/Lord_Howe]')
    assert.equal(w.start.toISOString(), '2026-10-03T15:30:00.000Z')
    assert.equal(hours(previousWindow(daily('Australia/Lord_Howe', 2, 15), d('2026-10-04T00:00:00Z'))), 23.75)
  })

  test('Lord Howe fall-back repeats 30 minutes: a 01:45 start uses the first pass and lasts 24.5 hours', () => {
    const w = windowAt(daily('Australia/Lord_Howe', 1, 45), d('2026-04-04T15:10:00Z')) // 01:40+10:30, second pass
    assert.equal(w.key, 'daily/2026-04-05T01:45+11:00[Australia/Lord_Howe]')
    assert.equal(hours(w), 24.5)
  })

  test('weekly windows around a spring-forward Sunday are shortened by the gap, never duplicated', () => {
    const s = weekly('Europe/Berlin', 7, 2, 30) // Sunday 02:30; 2026-03-29 is a Sunday
    const w = windowAt(s, d('2026-03-25T00:00:00Z'))
    assert.equal(w.key, 'weekly/2026-03-22T02:30+01:00[Europe/Berlin]')
    assert.equal(hours(w), 7 * 24 - 0.5) // 02:30+01:00 → 03:00+02:00 (the start time is in the gap)
    const next = nextWindowAfter(s, w.start)
    assert.equal(next.key, 'weekly/2026-03-29T03:00+02:00[Europe/Berlin]')
    assert.equal(hours(next), 7 * 24 - 0.5) // 03:00+02:00 → 02:30+02:00
  })

  test('a monthly window on the fall-back day starts at the first pass of the start time', () => {
    const w = windowAt(monthly('Europe/Berlin', 25, 2, 30), d('2026-11-01T00:00:00Z'))
    assert.equal(w.key, 'monthly/2026-10-25T02:30+02:00[Europe/Berlin]')
    assert.equal(w.end.toISOString(), '2026-11-25T01:30:00.000Z')
  })

  test('resolveWallClock maps a gap reading to the end of the gap and a fold reading to its first pass', () => {
    const gap = resolveWallClock(Temporal.PlainDateTime.from('2026-03-29T02:30'), 'Europe/Berlin')
    assert.equal(gap.toString(), '2026-03-29T03:00:00+02:00[Europe/Berlin]')
    const fold = resolveWallClock(Temporal.PlainDateTime.from('2026-10-25T02:30'), 'Europe/Berlin')
    assert.equal(fold.toString(), '2026-10-25T02:30:00+02:00[Europe/Berlin]')
  })
})

/** DST weeks (Monday 00:00 UTC to the next Monday) around every transition of 2026 in each zone. */
const transitions: { zone: string; week: string }[] = [
  { zone: 'Europe/Berlin', week: '2026-03-23' },
  { zone: 'Europe/Berlin', week: '2026-10-19' },
  { zone: 'America/New_York', week: '2026-03-02' },
  { zone: 'America/New_York', week: '2026-10-26' },
  { zone: 'Asia/Kolkata', week: '2026-03-23' },
  { zone: 'Australia/Lord_Howe', week: '2026-03-30' },
  { zone: 'Australia/Lord_Howe', week: '2026-09-28' },
]

describe('invariants over DST weeks', () => {
  for (const { zone, week } of transitions) {
    // Local-week boundaries: count windows whose start falls in [local Monday 00:00, next local Monday 00:00).
    const from = resolveWallClock(Temporal.PlainDateTime.from(`${week}T00:00`), zone)
    const to = resolveWallClock(Temporal.PlainDateTime.from(`${week}T00:00`).add({ days: 7 }), zone)
    const range = { from: new Date(from.epochMilliseconds), to: new Date(to.epochMilliseconds) }
    const cases: { schedule: Schedule; perWeek: number }[] = [
      { schedule: daily(zone, 2, 30), perWeek: 7 },
      { schedule: daily(zone, 0, 0), perWeek: 7 },
      { schedule: daily(zone, 1, 45), perWeek: 7 },
      { schedule: weekly(zone, 7, 2, 15), perWeek: 1 },
      { schedule: express(zone, 6), perWeek: 28 },
      { schedule: express(zone, 8), perWeek: 21 },
      { schedule: express(zone, 12), perWeek: 14 },
      { schedule: express(zone, 6, 2), perWeek: 28 },
    ]
    for (const { schedule, perWeek } of cases) {
      const label = `${schedule.kind} ${JSON.stringify(schedule.startTime)}${'intervalHours' in schedule ? ` every ${schedule.intervalHours}h` : ''}`
      test(`${zone} week of ${week}: ${label} windows tile, contain every instant once, and number ${perWeek}`, () => {
        const ws = windowsBetween(schedule, new Date(range.from.getTime() - 8 * 86_400_000), new Date(range.to.getTime() + 8 * 86_400_000))
        for (let i = 1; i < ws.length; i++) assert.equal(ws[i - 1]!.end.getTime(), ws[i]!.start.getTime(), `gap or overlap at ${i}`)
        assert.equal(new Set(ws.map((w) => w.key)).size, ws.length, 'keys are unique')
        const starting = ws.filter((w) => w.start >= range.from && w.start < range.to)
        assert.equal(starting.length, perWeek)
        // Samples: every window edge (and 1 ms either side), every midpoint, the transitions' neighbourhoods every 3 h.
        const samples = new Set<number>()
        for (const w of starting) for (const ms of [w.start.getTime() - 1, w.start.getTime(), w.start.getTime() + 1, (w.start.getTime() + w.end.getTime()) / 2]) samples.add(ms)
        for (let ms = range.from.getTime(); ms < range.to.getTime(); ms += 3 * 3_600_000 + 7 * 60_000) samples.add(ms)
        for (const ms of samples) {
          const now = new Date(ms)
          const containing = ws.filter((w) => w.start <= now && now < w.end)
          assert.equal(containing.length, 1, `exactly one window contains ${now.toISOString()}`)
          assert.deepEqual(windowAt(schedule, now), containing[0])
        }
      })
    }
  }

  test('monthly windows over a year tile and number twelve, even for day 31 in a DST zone', () => {
    const s = monthly('Australia/Lord_Howe', 31, 2, 15)
    const ws = windowsBetween(s, d('2026-01-01T00:00:00Z'), d('2026-12-31T00:00:00Z'))
    for (let i = 1; i < ws.length; i++) assert.equal(ws[i - 1]!.end.getTime(), ws[i]!.start.getTime())
    assert.equal(ws.filter((w) => w.start >= d('2026-01-01T00:00:00Z')).length, 12)
  })

  test('windowsBetween stops at its limit', () => {
    assert.equal(windowsBetween(express('UTC', 6), d('2026-01-01T00:00:00Z'), d('2027-01-01T00:00:00Z'), 5).length, 5)
  })
})
