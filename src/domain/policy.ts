/** Snapshot and backup policies as parsed from metadata: plain data, validated by planner/. */

export const SCHEDULE_KINDS = ['express', 'daily', 'weekly', 'monthly'] as const
export type ScheduleKind = (typeof SCHEDULE_KINDS)[number]

export const EXPRESS_INTERVALS = [6, 8, 12] as const
export type ExpressInterval = (typeof EXPRESS_INTERVALS)[number]

/** A wall-clock time of day in the policy's zone. */
export interface TimeOfDay {
  readonly hour: number
  readonly minute: number
}

/** ISO weekday: 1 = Monday … 7 = Sunday (Temporal's numbering). */
export type IsoWeekday = 1 | 2 | 3 | 4 | 5 | 6 | 7

export type Schedule =
  | { readonly kind: 'express'; readonly timezone: string; readonly intervalHours: ExpressInterval; readonly startTime: TimeOfDay }
  | { readonly kind: 'daily'; readonly timezone: string; readonly startTime: TimeOfDay }
  | { readonly kind: 'weekly'; readonly timezone: string; readonly startTime: TimeOfDay; readonly weekday: IsoWeekday }
  | { readonly kind: 'monthly'; readonly timezone: string; readonly startTime: TimeOfDay; readonly dayOfMonth: number }

/** restic's `forget` tiers: keep the newest N, and the newest one per hour/day/week/month/year bucket. */
export interface RetentionTiers {
  readonly last?: number
  readonly hourly?: number
  readonly daily?: number
  readonly weekly?: number
  readonly monthly?: number
  readonly yearly?: number
}

/**
 * How long copies are kept. Every rule that is set keeps what it selects (a union, as in restic):
 * a copy is removed only when no rule keeps it.
 */
export interface Retention {
  /** Keep copies younger than this many days (SnapSentry's retention-days). */
  readonly maxAgeDays?: number
  /** Keep the newest N available copies. */
  readonly keepCount?: number
  /** Grandfather-father-son tiers. */
  readonly tiers?: RetentionTiers
  /** Zone that calendar buckets (day, ISO week, month) are computed in. */
  readonly timezone: string
}

/** Where a policy's settings were read from. */
export const POLICY_SOURCES = ['snapwarden', 'snapsentry'] as const
export type PolicySource = (typeof POLICY_SOURCES)[number]

export interface SnapshotPolicy {
  /** The policy's name on the volume: its schedule kind (one policy per kind per volume). */
  readonly name: ScheduleKind
  readonly schedule: Schedule
  readonly retention: Retention
  readonly source: PolicySource
}

/** A wrong metadata value: names the volume, the key, the value and what is accepted. */
export interface PolicyProblem {
  readonly volumeId: string
  readonly policy?: ScheduleKind
  readonly key: string
  readonly value: string
  readonly accepted: string
  readonly message: string
}

/** One schedule window, in wall-clock time of the policy's zone. */
export interface ScheduleWindow {
  readonly policy: ScheduleKind
  /** Stable identity of the window, recorded on the snapshot: `daily/2026-03-29T02:30+02:00[Europe/Berlin]`. */
  readonly key: string
  readonly start: Date
  readonly end: Date
}
