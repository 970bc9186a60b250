import { Cron, type CronCallback, type CronOptions } from 'croner'
import { InvalidScheduleError } from './errors.ts'

/**
 * When a daemon job runs: a 5-field cron expression read in an explicit IANA time zone, or a fixed
 * period in seconds (Staffeln's `backup_service_period` / `retention_service_period`). A fixed-period
 * job runs once right after the scheduler starts, then every `everySeconds`.
 */
export type JobSchedule =
  | { readonly cron: string; readonly timezone: string }
  | { readonly everySeconds: number }

/** The option or config key each part of a schedule came from, named in validation errors. */
export interface ScheduleSource {
  readonly schedule?: string
  readonly timezone?: string
}

const CRON_FIELDS = 'minute hour day-of-month month day-of-week'

/** Throws InvalidScheduleError (CONFIG_INVALID) naming the option, e.g. `--create-schedule "*\/10 * * *": …`. */
export function validateJobSchedule(schedule: JobSchedule, source: ScheduleSource = {}): void {
  if ('everySeconds' in schedule) {
    const n = schedule.everySeconds
    if (!Number.isSafeInteger(n) || n < 1) {
      throw new InvalidScheduleError(`${source.schedule ?? 'period'} "${String(n)}": expected a whole number of seconds, at least 1`)
    }
    return
  }
  const label = `${source.schedule ?? 'schedule'} "${schedule.cron}"`
  const expr = schedule.cron.trim()
  const fields = expr.split(/\s+/).filter((f) => f !== '')
  if (!expr.startsWith('@') && fields.length !== 5) {
    throw new InvalidScheduleError(`${label}: expected 5 fields (${CRON_FIELDS}), got ${fields.length}`)
  }
  if (!isTimeZone(schedule.timezone)) {
    throw new InvalidScheduleError(
      `${source.timezone ?? 'timezone'} "${schedule.timezone}": unknown time zone (use an IANA name such as Europe/Berlin or UTC)`,
    )
  }
  try {
    new Cron(expr, { mode: '5-part', timezone: schedule.timezone, paused: true })
  } catch (err) {
    const reason = err instanceof Error ? err.message.replace(/^CronPattern:\s*/, '') : String(err)
    throw new InvalidScheduleError(`${label}: ${reason}`, { cause: err })
  }
}

function isTimeZone(zone: string): boolean {
  if (zone === '') return false
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone })
    return true
  } catch {
    return false
  }
}

/** Builds the croner instance for a (validated) schedule. Paused instances never start a timer. */
export function cronFor(schedule: JobSchedule, options: CronOptions = {}, fn?: CronCallback): Cron {
  if ('everySeconds' in schedule) {
    // Every second, throttled by croner's minimum interval: a fixed period measured from the last run.
    const opts: CronOptions = { ...options, mode: '6-part', timezone: 'UTC', interval: schedule.everySeconds }
    return fn ? new Cron('* * * * * *', opts, fn) : new Cron('* * * * * *', opts)
  }
  const opts: CronOptions = { ...options, mode: '5-part', timezone: schedule.timezone }
  return fn ? new Cron(schedule.cron.trim(), opts, fn) : new Cron(schedule.cron.trim(), opts)
}

/**
 * The next `n` run times strictly after `from` (for `daemon --dry-run` and docs). For a fixed-period
 * job, `from` is taken as the time of its last run.
 */
export function nextRuns(schedule: JobSchedule, n: number, from: Date): Date[] {
  validateJobSchedule(schedule)
  return cronFor(schedule, { paused: true }).nextRuns(n, from)
}
