/**
 * What the CLI's `subscribe` / `unsubscribe` commands write to and remove from a volume.
 *
 * Decision: fields SnapSentry knows are written under SnapSentry's keys (so switching back to SnapSentry
 * keeps working), fields only we know under ours (x-snapwarden-*). For the monthly day both SnapSentry
 * keys are written (its subscribe writes `-day-of-month`, its parser reads `-start-day-of-month`).
 * `x-snapsentry-managed=true` is written too, since SnapSentry requires it; we do not.
 * Feed the result through parseSnapshotPolicies to validate it before writing.
 */
import type { ExpressInterval, IsoWeekday, ScheduleKind, TimeOfDay } from '../domain/policy.ts'
import { METADATA_KEYS, WEEKDAY_NAMES } from './metadata-keys.ts'

export interface SubscribeOptions {
  readonly timezone?: string
  readonly startTime?: TimeOfDay
  /** weekly only */
  readonly weekday?: IsoWeekday
  /** monthly only */
  readonly dayOfMonth?: number
  /** express only */
  readonly intervalHours?: ExpressInterval
  readonly retentionDays?: number
  readonly keepCount?: number
  readonly keepLast?: number
  readonly keepHourly?: number
  readonly keepDaily?: number
  readonly keepWeekly?: number
  readonly keepMonthly?: number
  readonly keepYearly?: number
}

const hhmm = (t: TimeOfDay): string => `${String(t.hour).padStart(2, '0')}:${String(t.minute).padStart(2, '0')}`

/** The metadata pairs that subscribe `kind` with these options. */
export function subscribeMetadata(kind: ScheduleKind, opts: SubscribeOptions = {}): Record<string, string> {
  const ss = (suffix: string) => `x-snapsentry-${kind}-${suffix}`
  const sw = (suffix: string) => `x-snapwarden-${kind}-${suffix}`
  const out: Record<string, string> = { 'x-snapsentry-managed': 'true', [ss('enabled')]: 'true' }
  if (opts.timezone !== undefined) out[ss('timezone')] = opts.timezone
  if (opts.startTime !== undefined) out[kind === 'express' ? sw('start-time') : ss('start-time')] = hhmm(opts.startTime)
  if (kind === 'weekly' && opts.weekday !== undefined) out[ss('start-day-of-week')] = WEEKDAY_NAMES[opts.weekday - 1]!
  if (kind === 'monthly' && opts.dayOfMonth !== undefined) {
    out[ss('start-day-of-month')] = String(opts.dayOfMonth)
    out[ss('day-of-month')] = String(opts.dayOfMonth)
  }
  if (kind === 'express' && opts.intervalHours !== undefined) out[ss('interval-hours')] = String(opts.intervalHours)
  if (opts.retentionDays !== undefined) {
    out[ss('retention-days')] = String(opts.retentionDays)
    out[ss('retention-type')] = 'time'
  }
  const counts: [keyof SubscribeOptions, string][] = [
    ['keepCount', 'keep-count'],
    ['keepLast', 'keep-last'],
    ['keepHourly', 'keep-hourly'],
    ['keepDaily', 'keep-daily'],
    ['keepWeekly', 'keep-weekly'],
    ['keepMonthly', 'keep-monthly'],
    ['keepYearly', 'keep-yearly'],
  ]
  for (const [field, suffix] of counts) {
    const v = opts[field]
    if (v !== undefined) out[sw(suffix)] = String(v)
  }
  return out
}

/** Every key of `kind`, ours and SnapSentry's (volume-level keys stay: other policies may use them). */
export function unsubscribeKeys(kind: ScheduleKind): string[] {
  return METADATA_KEYS.filter((k) => k.scope === kind).map((k) => k.key)
}
