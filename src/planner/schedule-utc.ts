/**
 * The window containing an instant for a schedule in UTC, by Date arithmetic: the same window
 * schedule.ts computes with Temporal (whose polyfill costs a one-shot command's first plan more
 * than the plan's own arithmetic: compiled on first use), for the zone most policies use. UTC has no
 * gap or fold, so a wall-clock reading is its instant and every step is plain millisecond arithmetic.
 * Only years 1970–9999 (the key prints a four-digit year); other instants return undefined and go
 * the Temporal way.
 */
import type { Schedule, ScheduleWindow } from '../domain/policy.ts'

const MINUTE = 60_000
const HOUR = 3_600_000
const DAY = 86_400_000
const MIN_MS = Date.UTC(1970, 0, 1)
const MAX_MS = Date.UTC(10_000, 0, 1) - 32 * DAY // a window (at most a month long) still ends before year 10000

/** windowAt for a schedule whose zone is exactly `UTC`; undefined outside years 1970–9999. */
export function utcWindowAt(s: Schedule, now: Date): ScheduleWindow | undefined {
  const t = now.getTime()
  if (!(t >= MIN_MS + 32 * DAY && t < MAX_MS)) return undefined
  let start = candidateStart(s, t)
  // The candidate is right (no transitions in UTC); the bounded steps are schedule.ts's, kept for parity.
  for (let i = 0; i < 8; i++) {
    if (start > t) start = shift(s, start, -1)
    else if (shift(s, start, 1) <= t) start = shift(s, start, 1)
    else break
  }
  return { policy: s.kind, key: `${s.kind}/${isoMinute(start)}+00:00[UTC]`, start: new Date(start), end: new Date(shift(s, start, 1)) }
}

/** The wall-clock (here: UTC) start of the window that nominally contains `t`. */
function candidateStart(s: Schedule, t: number): number {
  const day = t - (((t % DAY) + DAY) % DAY) // midnight of t's date
  const at = (midnight: number): number => midnight + s.startTime.hour * HOUR + s.startTime.minute * MINUTE
  switch (s.kind) {
    case 'daily':
      return at(day)
    case 'weekly': {
      const iso = new Date(day).getUTCDay() || 7 // Monday 1 … Sunday 7
      return at(day - ((iso - s.weekday + 7) % 7) * DAY)
    }
    case 'monthly': {
      const d = new Date(day)
      return monthStart(s, d.getUTCFullYear(), d.getUTCMonth())
    }
    case 'express': {
      let anchor = at(day)
      if (anchor > t) anchor -= DAY
      const minutes = Math.floor((t - anchor) / MINUTE)
      return anchor + Math.floor(minutes / 60 / s.intervalHours) * s.intervalHours * HOUR
    }
  }
}

/** The start of the window `steps` windows after (or before) the one starting at `start`. */
function shift(s: Schedule, start: number, steps: number): number {
  switch (s.kind) {
    case 'daily':
      return start + steps * DAY
    case 'weekly':
      return start + steps * 7 * DAY
    case 'express':
      return start + steps * s.intervalHours * HOUR
    case 'monthly': {
      const d = new Date(start)
      return monthStart(s, d.getUTCFullYear(), d.getUTCMonth() + steps)
    }
  }
}

/** The monthly window's start in a month (month may be out of 0–11: Date.UTC carries it into the year). */
function monthStart(s: Extract<Schedule, { kind: 'monthly' }>, year: number, month: number): number {
  const daysInMonth = new Date(Date.UTC(year, month + 1, 0)).getUTCDate()
  return Date.UTC(year, month, Math.min(s.dayOfMonth, daysInMonth), s.startTime.hour, s.startTime.minute)
}

/** `2026-03-29T01:00`: the instant's UTC reading to the minute. */
function isoMinute(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16)
}
