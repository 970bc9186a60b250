/**
 * Schedule windows in wall-clock time of the policy's zone.
 *
 * Every window starts at a wall-clock reading (the start time on its day; for express, the anchor
 * start time + n × interval) and ends exactly where the next window starts, so windows tile time: no
 * gap, no overlap. Length is never computed by adding hours, so a DST change makes one window longer
 * or shorter instead of producing a second window (SnapSentry's double snapshot) or a dead zone.
 *
 * Resolving a wall-clock reading to an instant (decided, not left to a library default):
 *   the window starts at the FIRST instant at which the zone's clock shows that reading or later.
 *   - fold (fall-back, the reading happens twice): the first occurrence (Temporal 'earlier' = 'compatible').
 *   - gap (spring-forward, the reading never happens): the instant the gap ends, i.e. the transition
 *     itself (e.g. 02:30 in Berlin on 2026-03-29 → 03:00+02:00). Temporal's 'compatible' would give
 *     03:30+02:00 instead; we do not use it for gaps.
 *
 * Window key: `<kind>/<start as ZonedDateTime to the minute>`, e.g.
 * `daily/2026-03-29T03:00+02:00[Europe/Berlin]`. The offset is part of the key, so the two readings of
 * a fold never share a key.
 */
import { Temporal } from 'temporal-polyfill'
import type { Schedule, ScheduleWindow } from '../domain/policy.ts'
import { utcWindowAt } from './schedule-utc.ts'

type Wall = Temporal.PlainDateTime

/** The instant a wall-clock reading resolves to under the rule documented above. */
export function resolveWallClock(wall: Wall, timezone: string): Temporal.ZonedDateTime {
  const zdt = wall.toZonedDateTime(timezone, { disambiguation: 'compatible' })
  if (Temporal.PlainDateTime.compare(zdt.toPlainDateTime(), wall) === 0) return zdt
  // The reading falls into a gap: start at the transition that ends the gap.
  const before = wall.toZonedDateTime(timezone, { disambiguation: 'earlier' })
  return before.getTimeZoneTransition('next') ?? zdt
}

function atTime(date: Temporal.PlainDate, s: Schedule): Wall {
  return date.toPlainDateTime({ hour: s.startTime.hour, minute: s.startTime.minute })
}

/** The wall-clock start of the window that nominally contains the wall-clock reading `local`. */
function candidateStart(s: Schedule, local: Wall): Wall {
  const date = local.toPlainDate()
  switch (s.kind) {
    case 'daily':
      return atTime(date, s)
    case 'weekly':
      return atTime(date.subtract({ days: (date.dayOfWeek - s.weekday + 7) % 7 }), s)
    case 'monthly':
      return atTime(date.with({ day: Math.min(s.dayOfMonth, date.daysInMonth) }), s)
    case 'express': {
      let anchor = atTime(date, s)
      if (Temporal.PlainDateTime.compare(anchor, local) > 0) anchor = anchor.subtract({ days: 1 })
      const minutes = local.since(anchor, { largestUnit: 'minutes' }).minutes
      return anchor.add({ hours: Math.floor(minutes / 60 / s.intervalHours) * s.intervalHours })
    }
  }
}

/** The wall-clock start of the window `steps` windows after (or before, when negative) `start`. */
function shiftStart(s: Schedule, start: Wall, steps: number): Wall {
  switch (s.kind) {
    case 'daily':
      return start.add({ days: steps })
    case 'weekly':
      return start.add({ weeks: steps })
    case 'express':
      // PlainDateTime arithmetic is wall-clock arithmetic: DST never enters it.
      return start.add({ hours: steps * s.intervalHours })
    case 'monthly': {
      const month = start.toPlainDate().toPlainYearMonth().add({ months: steps })
      const day = Math.min(s.dayOfMonth, month.daysInMonth)
      return atTime(month.toPlainDate({ day }), s)
    }
  }
}

function toWindow(s: Schedule, start: Wall): ScheduleWindow {
  const from = resolveWallClock(start, s.timezone)
  const to = resolveWallClock(shiftStart(s, start, 1), s.timezone)
  return {
    policy: s.kind,
    key: `${s.kind}/${from.toString({ smallestUnit: 'minute' })}`,
    start: new Date(from.epochMilliseconds),
    end: new Date(to.epochMilliseconds),
  }
}

/** The wall-clock start of the window containing `now`. */
function startContaining(s: Schedule, now: Date): Wall {
  const local = Temporal.Instant.fromEpochMilliseconds(now.getTime()).toZonedDateTimeISO(s.timezone).toPlainDateTime()
  let start = candidateStart(s, local)
  // The candidate is right except around transitions; a few bounded steps settle it.
  for (let i = 0; i < 8; i++) {
    const w = toWindow(s, start)
    if (w.start.getTime() > now.getTime()) start = shiftStart(s, start, -1)
    else if (w.end.getTime() <= now.getTime()) start = shiftStart(s, start, 1)
    else return start
  }
  return start
}

/** The window that contains `now` (start ≤ now < end). Throws RangeError on an unknown time zone. */
export function windowAt(schedule: Schedule, now: Date): ScheduleWindow {
  // Zone arithmetic is slow and most volumes of a cloud share a handful of schedules: memoize the
  // pure result per (schedule, instant). Bounded: cleared when full.
  const key = `${scheduleKey(schedule)}|${now.getTime()}`
  const hit = WINDOW_CACHE.get(key)
  if (hit) return hit
  const window = (schedule.timezone === 'UTC' ? utcWindowAt(schedule, now) : undefined) ?? windowAtByTemporal(schedule, now)
  if (WINDOW_CACHE.size >= WINDOW_CACHE_MAX) WINDOW_CACHE.clear()
  WINDOW_CACHE.set(key, window)
  return window
}

/** windowAt without its memo and without the UTC shortcut (schedule-utc.ts): the reference it is checked against. */
export function windowAtByTemporal(schedule: Schedule, now: Date): ScheduleWindow {
  return toWindow(schedule, startContaining(schedule, now))
}

const WINDOW_CACHE = new Map<string, ScheduleWindow>()
const WINDOW_CACHE_MAX = 4096

function scheduleKey(s: Schedule): string {
  const t = `${s.startTime.hour}:${s.startTime.minute}`
  switch (s.kind) {
    case 'express':
      return `express/${s.timezone}/${t}/${s.intervalHours}`
    case 'daily':
      return `daily/${s.timezone}/${t}`
    case 'weekly':
      return `weekly/${s.timezone}/${t}/${s.weekday}`
    case 'monthly':
      return `monthly/${s.timezone}/${t}/${s.dayOfMonth}`
  }
}

/** The first window that starts after `now` (the one following the window containing `now`). */
export function nextWindowAfter(schedule: Schedule, now: Date): ScheduleWindow {
  return toWindow(schedule, shiftStart(schedule, startContaining(schedule, now), 1))
}

/** The window just before the one containing `now`. */
export function previousWindow(schedule: Schedule, now: Date): ScheduleWindow {
  return toWindow(schedule, shiftStart(schedule, startContaining(schedule, now), -1))
}

/** When the next window opens after `now` (STYLE §3.4's `nextRunAfter`). */
export function nextRunAfter(schedule: Schedule, now: Date): Date {
  return nextWindowAfter(schedule, now).start
}

/**
 * Windows overlapping [from, to), in order, at most `limit` of them (a bound, not a page size).
 */
export function windowsBetween(schedule: Schedule, from: Date, to: Date, limit = 10_000): ScheduleWindow[] {
  const out: ScheduleWindow[] = []
  let start = startContaining(schedule, from)
  while (out.length < limit) {
    const w = toWindow(schedule, start)
    if (w.start.getTime() >= to.getTime()) break
    out.push(w)
    start = shiftStart(schedule, start, 1)
  }
  return out
}
