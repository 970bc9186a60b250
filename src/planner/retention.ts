/**
 * Snapshot retention for one volume + one policy: the union of every rule (a snapshot is removed only
 * when no rule keeps it), with reasons for each kept snapshot (restic's KeepReason).
 *
 * Rules: age (younger than maxAgeDays, counted from the window start in calendar days of the policy's
 * zone; a SnapSentry-made snapshot's expiry-date mark is honoured too), keepCount (newest N available),
 * tiers (restic forget, see retention-tiers.ts).
 * Safety: a snapshot of the current window is never removed (no churn); the newest available snapshot
 * is never removed (never the last of a policy); only `available` snapshots count toward keep-N, and
 * others are kept here untouched (healing deals with them).
 */
import type { SnapshotRecord } from '../domain/inventory.ts'
import type { SnapshotPolicy } from '../domain/policy.ts'
import { holdReason } from '../domain/hold.ts'
import { selectByTiers } from './retention-tiers.ts'
import { expiryOf, readSnapshotMarks, rfc3339 } from './snapshot-metadata.ts'
import type { SnapshotMarks } from './snapshot-metadata.ts'
import { windowAt } from './schedule.ts'

export interface SnapshotVerdict {
  readonly snapshot: SnapshotRecord
  readonly reasons: readonly string[]
}

export interface SnapshotRetention {
  /** Newest first. */
  readonly keep: SnapshotVerdict[]
  /** Newest first. */
  readonly remove: SnapshotVerdict[]
}

const newestFirst = (a: SnapshotRecord, b: SnapshotRecord): number =>
  b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

/**
 * `snapshots`: one volume's snapshots of this policy (any status). The input is not mutated.
 * `marksOf`: the snapshot's marks when the caller has read them already (the planner does).
 */
export function applySnapshotRetention(
  snapshots: readonly SnapshotRecord[],
  policy: SnapshotPolicy,
  now: Date,
  marksOf: (s: SnapshotRecord) => SnapshotMarks = (s) => readSnapshotMarks(s, [policy]),
): SnapshotRetention {
  const sorted = [...snapshots].sort(newestFirst)
  const reasons = new Map<SnapshotRecord, string[]>()
  const add = (s: SnapshotRecord, reason: string) => {
    const list = reasons.get(s)
    if (list) list.push(reason)
    else reasons.set(s, [reason])
  }
  const available = sorted.filter((s) => s.status === 'available')
  const current = windowAt(policy.schedule, now)
  const { maxAgeDays, keepCount, tiers, timezone } = policy.retention

  for (const s of sorted) {
    const held = holdReason(s.metadata)
    if (held) add(s, held)
    if (s.status !== 'available') {
      add(s, `status ${s.status}: not counted, left to healing`)
      continue
    }
    const marks = marksOf(s)
    if (marks.windowKey === current.key) add(s, `in the current window ${current.key}`)
    if (maxAgeDays) {
      const expiry = expiryOf(policy, marks.windowStart ?? s.createdAt)
      if (expiry && now.getTime() < expiry.getTime()) add(s, `younger than ${maxAgeDays} days (until ${rfc3339(expiry)})`)
    }
    if (marks.source === 'snapsentry' && marks.expiresAt && now.getTime() < marks.expiresAt.getTime()) {
      add(s, `SnapSentry expiry-date ${rfc3339(marks.expiresAt)} not reached`)
    }
  }
  if (keepCount !== undefined) {
    available.slice(0, keepCount).forEach((s, i) => add(s, `newest ${keepCount} (${i + 1}/${keepCount})`))
  }
  if (tiers) {
    for (const [s, why] of selectByTiers(available, (x) => x.createdAt, tiers, timezone)) for (const r of why) add(s, r)
  }
  const hasRule = !!maxAgeDays || keepCount !== undefined || !!tiers
  if (!hasRule) for (const s of available) add(s, 'no retention rule: everything is kept')
  const newest = available[0]
  if (newest && !reasons.has(newest)) add(newest, 'last available snapshot of the policy (never removed)')

  const keep: SnapshotVerdict[] = []
  const remove: SnapshotVerdict[] = []
  for (const s of sorted) {
    const why = reasons.get(s)
    if (why) keep.push({ snapshot: s, reasons: why })
    else remove.push({ snapshot: s, reasons: [removeReason(policy)] })
  }
  return { keep, remove }
}

function removeReason(policy: SnapshotPolicy): string {
  const r = policy.retention
  const rules = [
    r.maxAgeDays ? `older than ${r.maxAgeDays} days` : undefined,
    r.keepCount !== undefined ? `not among the newest ${r.keepCount}` : undefined,
    r.tiers ? 'not selected by any keep-* tier' : undefined,
  ].filter((x): x is string => x !== undefined)
  return `expired: ${rules.join(', ')}`
}

/**
 * The same verdicts with nothing removed: what retention would expire is kept with `reason` first
 * (an unknown key holds this policy's expiry on the volume). Newest first, as applySnapshotRetention.
 */
export function holdSnapshotRetention(verdicts: SnapshotRetention, reason: string): SnapshotRetention {
  const held = verdicts.remove.map((r) => ({ snapshot: r.snapshot, reasons: [reason, `otherwise ${r.reasons.join('; ')}`] }))
  const keep = [...verdicts.keep, ...held].sort((a, b) => newestFirst(a.snapshot, b.snapshot))
  return { keep, remove: [] }
}
