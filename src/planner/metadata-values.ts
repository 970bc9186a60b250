/**
 * Value parsers for volume metadata, one per field. Each returns the parsed value or why the raw
 * string was refused (the "is not a time" part of a PolicyProblem message). Values are trimmed first.
 */
import { Temporal } from 'temporal-polyfill'
import { EXPRESS_INTERVALS } from '../domain/policy.ts'
import type { ExpressInterval, IsoWeekday, PolicySource, TimeOfDay } from '../domain/policy.ts'
import { MAX_KEEP, MAX_RETENTION_DAYS, WEEKDAY_NAMES } from './metadata-keys.ts'
import type { KeyField } from './metadata-keys.ts'

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string }

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value })
const no = (reason: string): Parsed<never> => ({ ok: false, reason })

export function parseBoolean(raw: string): Parsed<boolean> {
  const v = raw.trim().toLowerCase()
  return v === 'true' ? ok(true) : v === 'false' ? ok(false) : no('is not a boolean')
}

export function parseInteger(raw: string, min: number, max: number): Parsed<number> {
  const v = raw.trim()
  if (!/^[+-]?\d+$/.test(v)) return no('is not an integer')
  const n = Number(v)
  return n < min || n > max ? no('is out of range') : ok(n)
}

/** `HH:MM` (also `H:MM`), 00:00–23:59. */
export function parseTimeOfDay(raw: string): Parsed<TimeOfDay> {
  const m = /^(\d{1,2}):(\d{2})$/.exec(raw.trim())
  if (!m) return no('is not a time')
  const hour = Number(m[1])
  const minute = Number(m[2])
  return hour > 23 || minute > 59 ? no('is not a time') : ok({ hour, minute })
}

/** An IANA zone (or UTC / a fixed offset), returned in its canonical spelling. */
export function parseTimeZone(raw: string): Parsed<string> {
  const v = raw.trim()
  if (v === '') return no('is not a time zone')
  try {
    return ok(Temporal.Instant.fromEpochMilliseconds(0).toZonedDateTimeISO(v).timeZoneId)
  } catch {
    return no('is not a time zone')
  }
}

/** "Monday", "mon", "MONDAY", "1" … ; 0 and 7 are Sunday (SnapSentry accepts both). */
export function parseWeekday(raw: string): Parsed<IsoWeekday> {
  const v = raw.trim().toLowerCase()
  if (/^[0-7]$/.test(v)) return ok((Number(v) === 0 ? 7 : Number(v)) as IsoWeekday)
  const i = WEEKDAY_NAMES.findIndex((name) => name === v || (v.length === 3 && name.startsWith(v)))
  return i < 0 ? no('is not a weekday') : ok((i + 1) as IsoWeekday)
}

export function parseInterval(raw: string): Parsed<ExpressInterval> {
  const n = parseInteger(raw, 1, 24)
  return n.ok && (EXPRESS_INTERVALS as readonly number[]).includes(n.value) ? ok(n.value as ExpressInterval) : no('is not a supported interval')
}

export function parseRetentionType(raw: string): Parsed<'time' | 'count'> {
  const v = raw.trim().toLowerCase()
  return v === 'time' || v === 'count' ? ok(v) : no('is not a retention type')
}

/**
 * Retention days. Ours: 0 means "no age rule". SnapSentry's: ≤ 0 means "SnapSentry's default for the
 * kind" (its documented behaviour), reported to the caller as `undefined`.
 */
export function parseRetentionDays(raw: string, source: PolicySource): Parsed<number | undefined> {
  if (source === 'snapwarden') return parseInteger(raw, 0, MAX_RETENTION_DAYS)
  const n = parseInteger(raw, Number.MIN_SAFE_INTEGER, MAX_RETENTION_DAYS)
  return n.ok && n.value <= 0 ? ok(undefined) : n
}

/** Dispatches on the field; the result type is the field's value type. */
export function parseField(field: KeyField, raw: string, source: PolicySource): Parsed<unknown> {
  switch (field) {
    case 'managed':
    case 'enabled':
      return parseBoolean(raw)
    case 'timezone':
      return parseTimeZone(raw)
    case 'startTime':
      return parseTimeOfDay(raw)
    case 'weekday':
      return parseWeekday(raw)
    case 'dayOfMonth':
      return parseInteger(raw, 1, 31)
    case 'intervalHours':
      return parseInterval(raw)
    case 'retentionDays':
      return parseRetentionDays(raw, source)
    case 'retentionType':
      return parseRetentionType(raw)
    case 'keepCount':
      return parseInteger(raw, 1, MAX_KEEP)
    case 'keepLast':
    case 'keepHourly':
    case 'keepDaily':
    case 'keepWeekly':
    case 'keepMonthly':
    case 'keepYearly':
      return parseInteger(raw, 0, MAX_KEEP)
  }
}
