/**
 * What we write on the snapshots we create, and how we read marks back, including snapshots that
 * SnapSentry made (they carry no window key: the window is derived from `createdAt` with the volume's
 * policy schedule).
 */
import { Temporal } from 'temporal-polyfill'
import type { SnapshotRecord } from '../domain/inventory.ts'
import { SCHEDULE_KINDS } from '../domain/policy.ts'
import type { ScheduleKind, ScheduleWindow, SnapshotPolicy } from '../domain/policy.ts'
import { windowAt } from './schedule.ts'

export const SNAPSHOT_KEYS = {
  managed: 'x-snapwarden-managed',
  policy: 'x-snapwarden-policy',
  window: 'x-snapwarden-window',
  windowStart: 'x-snapwarden-window-start',
  windowEnd: 'x-snapwarden-window-end',
  ssManaged: 'x-snapsentry-snapshot-managed',
  /** SnapSentry's own parser reads this key on snapshots. */
  ssManagedRead: 'x-snapsentry-managed',
  ssPolicyType: 'x-snapsentry-snapshot-policy-type',
  ssExpiry: 'x-snapsentry-snapshot-expiry-date',
  ssExpiryUserTz: 'x-snapsentry-snapshot-expiry-date-user-tz',
  ssRetentionDays: 'x-snapsentry-snapshot-retention-days',
} as const

/** RFC3339 in UTC without fractions: `2026-03-29T01:00:00Z`. */
export function rfc3339(d: Date): string {
  const ms = d.getTime()
  let text = RFC3339_CACHE.get(ms)
  if (text === undefined) {
    text = d.toISOString().replace(/\.\d{3}Z$/, 'Z')
    if (RFC3339_CACHE.size >= 4096) RFC3339_CACHE.clear()
    RFC3339_CACHE.set(ms, text)
  }
  return text
}
/** Plans print the same few window starts and expiries for a whole fleet: memoized, bounded. */
const RFC3339_CACHE = new Map<number, string>()

/** `20260329T0100Z`: the window start in UTC, for names. */
function compact(d: Date): string {
  const ms = d.getTime()
  let text = COMPACT_CACHE.get(ms)
  if (text === undefined) {
    text = rfc3339(d).replace(/[-:]/g, '').replace(/(T\d{4})00Z$/, '$1Z')
    if (COMPACT_CACHE.size >= 4096) COMPACT_CACHE.clear()
    COMPACT_CACHE.set(ms, text)
  }
  return text
}
const COMPACT_CACHE = new Map<number, string>()

/** `snapwarden-<policy>-<volume id>-<window start compact>` */
export function snapshotName(policy: ScheduleKind, volumeId: string, window: ScheduleWindow): string {
  const [prefix, suffix] = snapshotNameParts(policy, window)
  return prefix + volumeId + suffix
}

/** The parts of snapshotName before and after the volume id: a plan joins them per volume. */
export function snapshotNameParts(policy: ScheduleKind, window: ScheduleWindow): readonly [string, string] {
  return [`snapwarden-${policy}-`, `-${compact(window.start)}`]
}

export function snapshotDescription(policy: SnapshotPolicy, window: ScheduleWindow): string {
  // A fleet's creates share a few windows: one string per window, not one per create (memory at 100k volumes).
  let byPolicy = DESCRIPTIONS.get(window)
  if (!byPolicy) DESCRIPTIONS.set(window, (byPolicy = new Map()))
  let text = byPolicy.get(policy.name)
  if (text === undefined) byPolicy.set(policy.name, (text = `Snapwarden ${policy.name} snapshot for window ${window.key}`))
  return text
}
/** By window object (windowAt memoizes them): no key to build per create. */
const DESCRIPTIONS = new WeakMap<ScheduleWindow, Map<string, string>>()

/** When a snapshot of this window expires by the age rule: window start + N calendar days in the zone. */
export function expiryOf(policy: SnapshotPolicy, windowStart: Date): Date | undefined {
  const days = policy.retention.maxAgeDays
  if (!days) return undefined
  // Zone arithmetic is slow and a fleet's snapshots share a handful of window starts: memoized.
  const key = `${policy.schedule.timezone}|${days}|${windowStart.getTime()}`
  let ms = EXPIRY_CACHE.get(key)
  if (ms === undefined) {
    if (policy.schedule.timezone === 'UTC') {
      ms = windowStart.getTime() + days * 86_400_000 // a calendar day in UTC is 24 hours (no Temporal: see schedule-utc.ts)
    } else {
      const z = Temporal.Instant.fromEpochMilliseconds(windowStart.getTime()).toZonedDateTimeISO(policy.schedule.timezone)
      ms = z.add({ days }).epochMilliseconds
    }
    remember(EXPIRY_CACHE, key, ms)
  }
  return new Date(ms)
}

/** Pure results of zone arithmetic and date parsing, keyed by their inputs. Bounded: cleared when full. */
const CACHE_MAX = 4096
const EXPIRY_CACHE = new Map<string, number>()
const LOCAL_EXPIRY_CACHE = new Map<string, string>()
const DATE_CACHE = new Map<string, number>()
function remember<V>(cache: Map<string, V>, key: string, value: V): void {
  if (cache.size >= CACHE_MAX) cache.clear()
  cache.set(key, value)
}

const UTC_FOUR_DIGIT_YEARS_END = Date.UTC(10_000, 0, 1)

/** The expiry as a wall-clock reading in the policy's zone, to the second (SnapSentry's `-user-tz` mark). */
function localExpiry(expiry: Date, timezone: string): string {
  const key = `${timezone}|${expiry.getTime()}`
  let local = LOCAL_EXPIRY_CACHE.get(key)
  if (local === undefined) {
    const ms = expiry.getTime()
    local =
      timezone === 'UTC' && ms >= 0 && ms < UTC_FOUR_DIGIT_YEARS_END
        ? `${expiry.toISOString().slice(0, 19)}+00:00` // Temporal's reading in UTC, without Temporal (see schedule-utc.ts)
        : Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(timezone).toString({ timeZoneName: 'never', smallestUnit: 'second' })
    remember(LOCAL_EXPIRY_CACHE, key, local)
  }
  return local
}

/**
 * The marks of a create. Frozen and shared by every create of the same policy settings and window
 * (it depends on nothing else): at 100k volumes, one object per window instead of one per create.
 */
export function snapshotMetadata(policy: SnapshotPolicy, window: ScheduleWindow): Readonly<Record<string, string>> {
  // By identity first (volumes of one tag set share their parsed policy, and windowAt its windows),
  // then by the values the marks depend on.
  let byWindow = METADATA_BY_OBJECT.get(policy)
  if (!byWindow) METADATA_BY_OBJECT.set(policy, (byWindow = new WeakMap()))
  let marks = byWindow.get(window)
  if (marks === undefined) {
    const key = `${policy.name}|${policy.schedule.timezone}|${policy.retention.maxAgeDays ?? ''}|${window.key}|${window.start.getTime()}|${window.end.getTime()}`
    marks = METADATA_CACHE.get(key)
    if (marks === undefined) {
      marks = Object.freeze(buildSnapshotMetadata(policy, window))
      remember(METADATA_CACHE, key, marks)
    }
    byWindow.set(window, marks)
  }
  return marks
}
const METADATA_CACHE = new Map<string, Readonly<Record<string, string>>>()
const METADATA_BY_OBJECT = new WeakMap<SnapshotPolicy, WeakMap<ScheduleWindow, Readonly<Record<string, string>>>>()

function buildSnapshotMetadata(policy: SnapshotPolicy, window: ScheduleWindow): Record<string, string> {
  const out: Record<string, string> = {
    [SNAPSHOT_KEYS.managed]: 'true',
    [SNAPSHOT_KEYS.policy]: policy.name,
    [SNAPSHOT_KEYS.window]: window.key,
    [SNAPSHOT_KEYS.windowStart]: rfc3339(window.start),
    [SNAPSHOT_KEYS.windowEnd]: rfc3339(window.end),
    [SNAPSHOT_KEYS.ssManaged]: 'true',
    [SNAPSHOT_KEYS.ssPolicyType]: policy.name,
  }
  const expiry = expiryOf(policy, window.start)
  if (expiry) {
    out[SNAPSHOT_KEYS.ssExpiry] = rfc3339(expiry)
    out[SNAPSHOT_KEYS.ssExpiryUserTz] = localExpiry(expiry, policy.schedule.timezone)
    out[SNAPSHOT_KEYS.ssRetentionDays] = String(policy.retention.maxAgeDays)
  }
  return out
}

export type SnapshotSource = 'snapwarden' | 'snapsentry' | 'unmanaged'

export interface SnapshotMarks {
  /** Made by us or by SnapSentry. Unmanaged snapshots are never touched. */
  readonly managed: boolean
  readonly source: SnapshotSource
  readonly policy?: ScheduleKind
  readonly windowKey?: string
  readonly windowStart?: Date
  /** SnapSentry's expiry-date mark, when present and valid. */
  readonly expiresAt?: Date
}

const isTrue = (v: string | undefined): boolean => v?.trim().toLowerCase() === 'true'

/** An instant mark (RFC 3339 as Temporal reads it); memoized, since a fleet's marks share few values. */
function parseDate(v: string | undefined): Date | undefined {
  if (!v) return undefined
  let ms = DATE_CACHE.get(v)
  if (ms === undefined) {
    try {
      ms = Temporal.Instant.from(v.trim()).epochMilliseconds
    } catch {
      ms = Number.NaN
    }
    remember(DATE_CACHE, v, ms)
  }
  return Number.isNaN(ms) ? undefined : new Date(ms)
}

function asKind(v: string | undefined): ScheduleKind | undefined {
  const k = v?.trim().toLowerCase()
  return (SCHEDULE_KINDS as readonly string[]).includes(k ?? '') ? (k as ScheduleKind) : undefined
}

/**
 * Reads the marks of a snapshot. `policies` are the volume's active policies: for a SnapSentry
 * snapshot, the window is derived from `createdAt` with the schedule of the policy it names.
 */
export function readSnapshotMarks(snapshot: SnapshotRecord, policies: readonly SnapshotPolicy[] = []): SnapshotMarks {
  const m = snapshot.metadata
  if (isTrue(m[SNAPSHOT_KEYS.managed])) {
    const marks: Mutable<SnapshotMarks> = { managed: true, source: 'snapwarden' }
    const policy = asKind(m[SNAPSHOT_KEYS.policy]) ?? asKind(m[SNAPSHOT_KEYS.ssPolicyType])
    if (policy) marks.policy = policy
    const windowKey = m[SNAPSHOT_KEYS.window]
    if (windowKey) marks.windowKey = windowKey
    const windowStart = parseDate(m[SNAPSHOT_KEYS.windowStart])
    if (windowStart) marks.windowStart = windowStart
    return withExpiry(marks, m)
  }
  if (isTrue(m[SNAPSHOT_KEYS.ssManaged]) || isTrue(m[SNAPSHOT_KEYS.ssManagedRead])) {
    const marks: Mutable<SnapshotMarks> = { managed: true, source: 'snapsentry' }
    const policy = asKind(m[SNAPSHOT_KEYS.ssPolicyType])
    if (policy) marks.policy = policy
    const schedule = policy ? policies.find((p) => p.name === policy)?.schedule : undefined
    if (schedule) {
      const window = windowAt(schedule, snapshot.createdAt)
      marks.windowKey = window.key
      marks.windowStart = window.start
    }
    return withExpiry(marks, m)
  }
  return UNMANAGED
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] }
const UNMANAGED: SnapshotMarks = Object.freeze({ managed: false, source: 'unmanaged' })

function withExpiry(marks: Mutable<SnapshotMarks>, m: Readonly<Record<string, string>>): SnapshotMarks {
  const expiresAt = parseDate(m[SNAPSHOT_KEYS.ssExpiry])
  if (expiresAt) marks.expiresAt = expiresAt
  return marks
}
