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
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** `20260329T0100Z`: the window start in UTC, for names. */
function compact(d: Date): string {
  return rfc3339(d).replace(/[-:]/g, '').replace(/(T\d{4})00Z$/, '$1Z')
}

/** `snapwarden-<policy>-<volume id>-<window start compact>` */
export function snapshotName(policy: ScheduleKind, volumeId: string, window: ScheduleWindow): string {
  return `snapwarden-${policy}-${volumeId}-${compact(window.start)}`
}

export function snapshotDescription(policy: SnapshotPolicy, window: ScheduleWindow): string {
  return `Snapwarden ${policy.name} snapshot for window ${window.key}`
}

/** When a snapshot of this window expires by the age rule: window start + N calendar days in the zone. */
export function expiryOf(policy: SnapshotPolicy, windowStart: Date): Date | undefined {
  const days = policy.retention.maxAgeDays
  if (!days) return undefined
  const z = Temporal.Instant.fromEpochMilliseconds(windowStart.getTime()).toZonedDateTimeISO(policy.schedule.timezone)
  return new Date(z.add({ days }).epochMilliseconds)
}

export function snapshotMetadata(policy: SnapshotPolicy, window: ScheduleWindow): Record<string, string> {
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
    const local = Temporal.Instant.fromEpochMilliseconds(expiry.getTime()).toZonedDateTimeISO(policy.schedule.timezone)
    out[SNAPSHOT_KEYS.ssExpiry] = rfc3339(expiry)
    out[SNAPSHOT_KEYS.ssExpiryUserTz] = local.toString({ timeZoneName: 'never', smallestUnit: 'second' })
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

function parseDate(v: string | undefined): Date | undefined {
  if (!v) return undefined
  try {
    return new Date(Temporal.Instant.from(v.trim()).epochMilliseconds)
  } catch {
    return undefined
  }
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
  const expiresAt = parseDate(m[SNAPSHOT_KEYS.ssExpiry])
  const withExpiry = expiresAt ? { expiresAt } : {}
  if (isTrue(m[SNAPSHOT_KEYS.managed])) {
    const policy = asKind(m[SNAPSHOT_KEYS.policy]) ?? asKind(m[SNAPSHOT_KEYS.ssPolicyType])
    const windowKey = m[SNAPSHOT_KEYS.window]
    const windowStart = parseDate(m[SNAPSHOT_KEYS.windowStart])
    return {
      managed: true,
      source: 'snapwarden',
      ...(policy ? { policy } : {}),
      ...(windowKey ? { windowKey } : {}),
      ...(windowStart ? { windowStart } : {}),
      ...withExpiry,
    }
  }
  if (isTrue(m[SNAPSHOT_KEYS.ssManaged]) || isTrue(m[SNAPSHOT_KEYS.ssManagedRead])) {
    const policy = asKind(m[SNAPSHOT_KEYS.ssPolicyType])
    const schedule = policies.find((p) => p.name === policy)?.schedule
    const window = schedule ? windowAt(schedule, snapshot.createdAt) : undefined
    return {
      managed: true,
      source: 'snapsentry',
      ...(policy ? { policy } : {}),
      ...(window ? { windowKey: window.key, windowStart: window.start } : {}),
      ...withExpiry,
    }
  }
  return { managed: false, source: 'unmanaged' }
}
