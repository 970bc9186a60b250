/**
 * Keys in our namespaces (`x-snapwarden-`, `x-snapsentry-`) that nobody reads: almost always a
 * misspelling (`x-snapwarden-daily-retention`, `x-snapwarden-daily-start_time`). Each one is a
 * PolicyProblem naming the closest known key, and while it is there retention deletes nothing the
 * key may have been meant for: when its prefix names a policy (`x-snapwarden-daily-…`), that policy's
 * snapshots on that volume are kept; when it names none (`x-snapwarden-dayly-…`, `x-snapsentry-manged`),
 * every policy's snapshots on that volume are kept. Creates go on.
 *
 * Known: every key of the registry (METADATA_KEYS, ours and SnapSentry's), the volume's backup opt-out
 * (`x-snapwarden-backup-skip`), and the marks Snapwarden and SnapSentry write on snapshots and backups
 * (harmless if they end up on a volume). Keys outside the two prefixes are not ours and are ignored.
 * The prefix is compared case-insensitively (Cinder keys are case-sensitive, so `X-Snapwarden-…` is
 * not read either and is reported); the key itself must match exactly.
 */
import type { VolumeRef } from '../domain/inventory.ts'
import { SCHEDULE_KINDS } from '../domain/policy.ts'
import type { PolicyProblem, ScheduleKind } from '../domain/policy.ts'
import { VOLUME_SKIP_METADATA_KEYS } from './backup-discovery.ts'
import { BACKUP_MARKS } from './backup-marks.ts'
import { METADATA_KEYS } from './metadata-keys.ts'
import { problemMessage } from './problem-message.ts'
import { SNAPSHOT_KEYS } from './snapshot-metadata.ts'

export const POLICY_KEY_PREFIXES = ['x-snapwarden-', 'x-snapsentry-'] as const

/** Keys a person may set on a volume: the candidates for "did you mean". */
const VOLUME_KEYS: readonly string[] = [...METADATA_KEYS.map((k) => k.key), VOLUME_SKIP_METADATA_KEYS[0]]
const KNOWN = new Set<string>([...VOLUME_KEYS, ...VOLUME_SKIP_METADATA_KEYS, ...Object.values(SNAPSHOT_KEYS), ...Object.values(BACKUP_MARKS)])
const MAX_KEY_LENGTH = 255

/** A policy whose snapshots on this volume retention must not delete, and the unknown keys that hold it. */
export interface HeldExpiry {
  readonly policy: ScheduleKind
  readonly keys: readonly string[]
}

export interface UnknownMetadataKeys {
  readonly problems: PolicyProblem[]
  /** In SCHEDULE_KINDS order; empty when every key under our prefixes is known. */
  readonly heldExpiry: HeldExpiry[]
}

/** The policy a key's prefix names (`x-snapwarden-daily-…` → daily), if any. */
function kindOf(lowerKey: string, prefix: string): ScheduleKind | undefined {
  const rest = lowerKey.slice(prefix.length)
  return SCHEDULE_KINDS.find((k) => rest.startsWith(`${k}-`) || rest === k)
}

/** Two rows boundedDistance reuses (its `b` is a registry key: far shorter). */
const ROWS: [Int32Array, Int32Array] = [new Int32Array(MAX_KEY_LENGTH + 2), new Int32Array(MAX_KEY_LENGTH + 2)]

/**
 * The Levenshtein distance of `a` and `b` when it is at most `limit`; otherwise some number above
 * `limit` (the search stops as soon as no alignment can stay within it).
 */
export function boundedDistance(a: string, b: string, limit: number): number {
  const la = a.length
  const lb = b.length
  if (la - lb > limit || lb - la > limit) return limit + 1 // every alignment needs at least that many inserts or deletes
  let [prev, row] = lb < ROWS[0].length ? ROWS : [new Int32Array(lb + 1), new Int32Array(lb + 1)]
  for (let j = 0; j <= lb; j++) prev[j] = j
  for (let i = 1; i <= la; i++) {
    const ca = a.charCodeAt(i - 1)
    row[0] = i
    let rowMin = i
    for (let j = 1; j <= lb; j++) {
      const sub = prev[j - 1]! + (ca === b.charCodeAt(j - 1) ? 0 : 1)
      const del = prev[j]! + 1
      const ins = row[j - 1]! + 1
      const v = sub < del ? (sub < ins ? sub : ins) : del < ins ? del : ins
      row[j] = v
      if (v < rowMin) rowMin = v
    }
    if (rowMin > limit) return limit + 1 // a row's minimum never decreases further down
    const t = prev
    prev = row
    row = t
  }
  return prev[lb]!
}

/**
 * The known volume key closest to `key`: edit distance, where a key cut short (`…-retention` for
 * `…-retention-days`, `…-start-day` for `…-start-day-of-week`) counts as one edit. Ties: same family,
 * then registry order.
 */
export function closestKnownKey(key: string): string {
  // A misspelling is usually copied onto many volumes: one search per distinct key (bounded memo).
  const hit = CLOSEST.get(key)
  if (hit !== undefined) return hit
  const best = searchClosest(key)
  if (CLOSEST.size >= 1024) CLOSEST.clear()
  CLOSEST.set(key, best)
  return best
}

const CLOSEST = new Map<string, string>()

function searchClosest(key: string): string {
  const lower = key.slice(0, MAX_KEY_LENGTH).toLowerCase()
  const family = POLICY_KEY_PREFIXES.find((p) => lower.startsWith(p))
  const cutShort = `${lower}-`
  let best = VOLUME_KEYS[0]!
  let bestScore = Number.POSITIVE_INFINITY
  for (const candidate of VOLUME_KEYS) {
    const penalty = family && candidate.startsWith(family) ? 0 : 1
    // A candidate wins only with a score below the best so far: its distance is computed only up to
    // the most edits that could (bounded; the same choice as computing every distance in full).
    const limit = Math.floor((bestScore - penalty - 1) / 2)
    if (limit < 0) continue
    const edits = candidate.startsWith(cutShort) ? 1 : boundedDistance(lower, candidate, limit)
    const score = edits * 2 + penalty
    if (score < bestScore) {
      best = candidate
      bestScore = score
    }
  }
  return best
}

/** What a key of this prefix and policy may be, for the problem's "accepted". */
function acceptedFor(prefix: string, kind: ScheduleKind | undefined): string {
  if (kind) {
    const keys = METADATA_KEYS.filter((k) => k.scope === kind && k.key.startsWith(prefix)).map((k) => k.key.slice(`${prefix}${kind}-`.length))
    return `${prefix}${kind}-{${keys.join(', ')}} (docs/metadata-keys.md)`
  }
  const volumeLevel = VOLUME_KEYS.filter((k) => k.startsWith(prefix) && !SCHEDULE_KINDS.some((kind) => k.startsWith(`${prefix}${kind}-`)))
  return `${volumeLevel.join(', ')} or ${prefix}<${SCHEDULE_KINDS.join('|')}>-<field> (docs/metadata-keys.md)`
}

/** The volume's keys under our two prefixes (compared case-insensitively, as below), in metadata order. */
export function policyKeysOf(volume: VolumeRef): string[] {
  const out: string[] = []
  for (const key of Object.keys(volume.metadata)) {
    const c = key.charCodeAt(0) // 'x' or 'X': most keys of a cloud are settled by their first letter
    if ((c === 120 || c === 88) && isPolicyKey(key)) out.push(key)
  }
  return out
}

/** True for a key under one of our two prefixes (the prefix compared case-insensitively). */
export function isPolicyKey(key: string): boolean {
  if (key.startsWith(POLICY_KEY_PREFIXES[0]) || key.startsWith(POLICY_KEY_PREFIXES[1])) return true
  return key.length >= PREFIX_LENGTH && isPolicyPrefix(key.slice(0, PREFIX_LENGTH))
}

/** Both prefixes have this length (checked below), so one slice of a key is compared with both. */
const PREFIX_LENGTH = 13
if (POLICY_KEY_PREFIXES.some((p) => p.length !== PREFIX_LENGTH)) throw new Error('unknown-metadata-keys: the policy key prefixes must have one length')
function isPolicyPrefix(head: string): boolean {
  if (head === POLICY_KEY_PREFIXES[0] || head === POLICY_KEY_PREFIXES[1]) return true
  const lower = head.toLowerCase()
  return lower === POLICY_KEY_PREFIXES[0] || lower === POLICY_KEY_PREFIXES[1]
}

/** The volume's unknown keys under our two prefixes, as problems, and the policies whose expiry they hold. */
export function unknownMetadataKeys(volume: VolumeRef): UnknownMetadataKeys {
  if (policyKeysOf(volume).length === 0) return { problems: [], heldExpiry: [] }
  const problems: PolicyProblem[] = []
  const held = new Map<ScheduleKind, string[]>()
  for (const [key, value] of Object.entries(volume.metadata).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (KNOWN.has(key)) continue
    const lower = key.toLowerCase()
    const prefix = POLICY_KEY_PREFIXES.find((p) => lower.startsWith(p))
    if (!prefix) continue
    const kind = kindOf(lower, prefix)
    for (const k of kind ? [kind] : SCHEDULE_KINDS) held.set(k, [...(held.get(k) ?? []), key])
    const suggestion = closestKnownKey(key)
    const kept = kind ? `the ${kind} snapshots of this volume` : 'no snapshot of this volume'
    const reason = kind
      ? `is not a known key (did you mean ${suggestion}?); ${kept} are not expired until it is fixed or removed`
      : `is not a known key (did you mean ${suggestion}?); ${kept} is expired until it is fixed or removed`
    const accepted = acceptedFor(prefix, kind)
    problems.push({
      volumeId: volume.id,
      ...(kind ? { policy: kind } : {}),
      key,
      value,
      accepted,
      message: problemMessage(volume, key, value, reason, accepted),
    })
  }
  return { problems, heldExpiry: SCHEDULE_KINDS.filter((k) => held.has(k)).map((policy) => ({ policy, keys: held.get(policy)! })) }
}
