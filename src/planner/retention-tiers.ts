/**
 * restic `forget` tiers (--keep-last/-hourly/-daily/-weekly/-monthly/-yearly) as a generic pure function,
 * shared by snapshot retention and backup retention.
 *
 * Semantics (restic `ApplyPolicy`): items are sorted newest first; each tier walks that list and keeps
 * an item whenever its bucket differs from the bucket of the previous item that tier kept, until the
 * tier has taken N buckets. The newest item of each bucket is therefore the one kept. A negative count
 * means "unlimited" (restic's -1). Buckets are computed in the given IANA zone, never in the process's
 * local zone.
 *
 * Reasons are neutral (they serve snapshots and backups alike) and name the bucket, one per tier that
 * kept the item, in tier order: `last (1/3)`, `hourly (2026-03-29 14h)`, `daily (2026-03-29)`,
 * `weekly (2026-W13)`, `monthly (2026-03)`, `yearly (2026)`.
 */
import { Temporal } from 'temporal-polyfill'
import type { RetentionTiers } from '../domain/policy.ts'

export const TIER_NAMES = ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const
export type TierName = (typeof TIER_NAMES)[number]

const pad = (n: number, width = 2): string => String(n).padStart(width, '0')

/** The calendar bucket of an instant for a tier, in `timezone` (`last` has no calendar bucket). */
export function tierBucket(tier: Exclude<TierName, 'last'>, instant: Date, timezone: string): string {
  const z = Temporal.Instant.fromEpochMilliseconds(instant.getTime()).toZonedDateTimeISO(timezone)
  const ymd = `${pad(z.year, 4)}-${pad(z.month)}-${pad(z.day)}`
  switch (tier) {
    case 'hourly':
      return `${ymd} ${pad(z.hour)}h`
    case 'daily':
      return ymd
    case 'weekly':
      return `${pad(z.yearOfWeek ?? z.year, 4)}-W${pad(z.weekOfYear ?? 0)}`
    case 'monthly':
      return `${pad(z.year, 4)}-${pad(z.month)}`
    case 'yearly':
      return pad(z.year, 4)
  }
}

/** True when at least one tier keeps something (a count other than 0 / absent). */
export function hasTiers(tiers: RetentionTiers | undefined): boolean {
  return tiers !== undefined && TIER_NAMES.some((t) => (tiers[t] ?? 0) !== 0)
}

/** Upper bound of what the tiers can keep (Infinity when a tier is unlimited); restic's `policySum`. */
export function tiersSum(tiers: RetentionTiers): number {
  return TIER_NAMES.reduce((sum, t) => {
    const n = tiers[t] ?? 0
    return sum + (n < 0 ? Number.POSITIVE_INFINITY : n)
  }, 0)
}

/**
 * Applies the tiers to `items` (any order; the input is not mutated) and returns, for every kept item,
 * the reasons it is kept, in tier order. Items absent from the map are not kept by any tier. Items whose
 * time is not a valid date are never kept by a tier. Throws RangeError on an invalid `timezone`
 * (validated earlier, by the policy parser or config).
 */
export function selectByTiers<T>(
  items: readonly T[],
  time: (t: T) => Date,
  tiers: RetentionTiers,
  timezone: string,
): Map<T, string[]> {
  const kept = new Map<T, string[]>()
  const dated = items
    .map((item, index) => ({ item, index, ms: time(item).getTime() }))
    .filter((d) => Number.isFinite(d.ms))
    // newest first; equal times keep input order (restic uses a stable sort)
    .sort((a, b) => b.ms - a.ms || a.index - b.index)

  for (const tier of TIER_NAMES) {
    const count = tiers[tier] ?? 0
    if (count === 0) continue
    let remaining = count < 0 ? Number.POSITIVE_INFINITY : count
    let lastBucket: string | undefined
    let taken = 0
    for (const d of dated) {
      if (remaining <= 0) break
      const bucket = tier === 'last' ? `#${d.index}` : tierBucket(tier, new Date(d.ms), timezone)
      if (bucket === lastBucket) continue
      lastBucket = bucket
      remaining--
      taken++
      const reason = tier === 'last' ? `last (${taken}/${count < 0 ? 'all' : count})` : `${tier} (${bucket})`
      const reasons = kept.get(d.item)
      if (reasons) reasons.push(reason)
      else kept.set(d.item, [reason])
    }
  }
  return kept
}
