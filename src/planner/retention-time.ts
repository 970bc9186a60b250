import { Temporal } from 'temporal-polyfill'

/**
 * Staffeln's retention grammar (`retention_time`, and the `__staffeln_retention` server metadata):
 * `<int><unit>` parts, units in the order y, mon, w, d, h, min, s, each at most once, e.g. `20min`,
 * `1y2mon`, `3w4d`, `12h30min`. The text is trimmed and lower-cased first (`2D` is `2d`).
 *
 * Deviations from Staffeln, on purpose: a value whose parts are all zero (`0d`) is refused, because
 * it would expire every backup the moment it is taken; Staffeln's unanchored regex silently ignores
 * trailing garbage (`1d2w` means `1d` there), here anything not matched is an error.
 */
export const RETENTION_UNITS = ['y', 'mon', 'w', 'd', 'h', 'min', 's'] as const
export type RetentionUnit = (typeof RETENTION_UNITS)[number]

export interface RetentionTime {
  readonly years: number
  readonly months: number
  readonly weeks: number
  readonly days: number
  readonly hours: number
  readonly minutes: number
  readonly seconds: number
}

export type ParseRetentionTimeResult =
  | { readonly ok: true; readonly value: RetentionTime }
  | { readonly ok: false; readonly accepted: string; readonly message: string }

/** What the grammar accepts, for problem reports. */
export const RETENTION_TIME_ACCEPTED =
  '<int><unit> parts with units y, mon, w, d, h, min, s in that order, each at most once ' +
  '(e.g. 20min, 1y2mon, 3w4d, 12h30min); not all zero'

const FIELD: Record<RetentionUnit, keyof RetentionTime> = {
  y: 'years',
  mon: 'months',
  w: 'weeks',
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
}

/** Approximate seconds per unit, only to refuse absurd values before any calendar arithmetic. */
const APPROX_SECONDS: Record<RetentionUnit, number> = {
  y: 366 * 86400,
  mon: 31 * 86400,
  w: 7 * 86400,
  d: 86400,
  h: 3600,
  min: 60,
  s: 1,
}
const MAX_SECONDS = 1000 * 366 * 86400

const TOKEN = /^(-?)(\d*)([a-z]*)/

export function parseRetentionTime(text: string): ParseRetentionTimeResult {
  const fail = (message: string): ParseRetentionTimeResult => ({ ok: false, accepted: RETENTION_TIME_ACCEPTED, message })
  const input = text.trim().toLowerCase()
  if (input === '') return fail('retention time is empty')
  const fields: Record<keyof RetentionTime, number> = {
    years: 0, months: 0, weeks: 0, days: 0, hours: 0, minutes: 0, seconds: 0,
  }
  let rest = input
  let lastIndex = -1
  let total = 0
  while (rest !== '') {
    const m = TOKEN.exec(rest)
    const [whole, minus, digits, unit] = m ?? ['', '', '', '']
    if (minus) return fail(`retention time '${text}' is negative; only non-negative integers are accepted`)
    if (!digits) return fail(`retention time '${text}' has a part without a number at '${rest}'`)
    if (!unit) return fail(`retention time '${text}' has a number without a unit at '${rest}'`)
    const index = (RETENTION_UNITS as readonly string[]).indexOf(unit)
    if (index < 0) {
      const hint = unit === 'm' ? " (use 'mon' for months or 'min' for minutes)" : ''
      return fail(`retention time '${text}' has an unknown unit '${unit}'${hint}`)
    }
    if (index === lastIndex) return fail(`retention time '${text}' repeats the unit '${unit}'`)
    if (index < lastIndex) {
      return fail(`retention time '${text}' has '${unit}' after '${RETENTION_UNITS[lastIndex]}'; units must come in the order y, mon, w, d, h, min, s`)
    }
    const u = unit as RetentionUnit
    const n = Number(digits)
    total += n * APPROX_SECONDS[u]
    if (!Number.isSafeInteger(n) || total > MAX_SECONDS) return fail(`retention time '${text}' is longer than 1000 years`)
    fields[FIELD[u]] = n
    lastIndex = index
    rest = rest.slice(whole.length)
  }
  if (total === 0) return fail(`retention time '${text}' is zero; it would expire every backup at once`)
  return { ok: true, value: fields }
}

/** Formats a retention time back into the grammar (`1y2mon`), e.g. for reasons and reports. */
export function formatRetentionTime(value: RetentionTime): string {
  const parts = RETENTION_UNITS.filter((u) => value[FIELD[u]] > 0).map((u) => `${value[FIELD[u]]}${u}`)
  return parts.length ? parts.join('') : '0s'
}

/**
 * The instant before which a backup is expired (a backup created strictly before it is expired), as
 * Staffeln's `now - relativedelta(...)`: years and months are subtracted on the calendar (the day is
 * clamped to the month's end: Mar 31 − 1mon = Feb 28/29), then weeks, days, hours, minutes and seconds.
 * The calendar is UTC unless `timezone` is given; in a zone, days follow the wall clock across DST.
 */
export function retentionCutoff(value: RetentionTime, now: Date, timezone = 'UTC'): Date {
  const start = Temporal.Instant.fromEpochMilliseconds(now.getTime()).toZonedDateTimeISO(timezone)
  const cutoff = start
    .subtract({ years: value.years, months: value.months })
    .subtract({ weeks: value.weeks, days: value.days })
    .subtract({ hours: value.hours, minutes: value.minutes, seconds: value.seconds })
  return new Date(cutoff.epochMilliseconds)
}
