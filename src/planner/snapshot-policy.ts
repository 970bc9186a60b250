/**
 * Reads a volume's snapshot policies from its metadata: SnapSentry's keys and ours (x-snapwarden-*),
 * ours winning field by field (see metadata-keys.ts for the registry).
 *
 * Decisions:
 * - A policy is active when its enabled key (ours, else SnapSentry's) is "true". That is the opt-in;
 *   x-snapsentry-managed=true is NOT required. The volume-level managed key (ours, else SnapSentry's)
 *   set to "false" opts the whole volume out.
 * - A present but invalid value is a PolicyProblem and that policy is skipped (never defaulted,
 *   SnapSentry's defect); the volume's other valid policies still come out. An invalid volume-level
 *   managed value skips every policy of the volume. Keys of inactive policies are not validated.
 * - Only the winning key of a field is read: a SnapSentry key overridden by ours is ignored.
 * - SnapSentry's two monthly day keys (`-start-day-of-month`, read by its parser, and `-day-of-month`,
 *   written by its subscribe) are both accepted; when both are set and disagree, that is a problem.
 * - Retention: when no retention key is set at all, the age rule defaults to SnapSentry's per-kind
 *   days (express 1, daily 2, weekly 7, monthly 30). When any retention key is set, only those rules
 *   apply. A SnapSentry retention-days ≤ 0 means its per-kind default (SnapSentry's own behaviour).
 * - A key under `x-snapwarden-`/`x-snapsentry-` that is not in the registry (a misspelling) is a
 *   problem naming the closest known key, and holds the expiry of the policy its prefix names (all
 *   policies when it names none); creates go on (unknown-metadata-keys.ts).
 */
import type { VolumeRef } from '../domain/inventory.ts'
import { SCHEDULE_KINDS } from '../domain/policy.ts'
import type {
  ExpressInterval,
  IsoWeekday,
  PolicyProblem,
  PolicySource,
  RetentionTiers,
  Schedule,
  ScheduleKind,
  SnapshotPolicy,
  TimeOfDay,
} from '../domain/policy.ts'
import { DEFAULT_DAY_OF_MONTH, DEFAULT_INTERVAL_HOURS, DEFAULT_RETENTION_DAYS, DEFAULT_TIMEZONE, keysOf } from './metadata-keys.ts'
import type { KeyField, KeyScope, MetadataKey } from './metadata-keys.ts'
import { parseField } from './metadata-values.ts'
import { problemMessage, problemSubject } from './problem-message.ts'
import { isPolicyKey, policyKeysOf, unknownMetadataKeys, type HeldExpiry } from './unknown-metadata-keys.ts'

export { problemMessage }

/** Values used for absent keys (config can set them); SnapSentry's defaults otherwise. */
export interface PolicyDefaults {
  readonly timezone?: string
  readonly startTime?: TimeOfDay
  readonly weekday?: IsoWeekday
  readonly dayOfMonth?: number
  readonly intervalHours?: ExpressInterval
  readonly retentionDays?: Partial<Record<ScheduleKind, number>>
}

export interface ParsedSnapshotPolicies {
  readonly policies: SnapshotPolicy[]
  readonly problems: PolicyProblem[]
  /**
   * Policies whose snapshots on this volume retention must not delete: an unknown key under our
   * prefixes names them (or names no policy: then all). See unknown-metadata-keys.ts.
   */
  readonly heldExpiry: HeldExpiry[]
}

const ABSENT = { present: false, value: undefined } as const

class FieldReader {
  readonly problems: PolicyProblem[] = []
  constructor(
    private readonly volume: VolumeRef,
    private readonly policy: ScheduleKind | undefined,
  ) {}

  private problem(k: MetadataKey, value: string, reason: string, accepted = k.accepted): void {
    this.problems.push({
      volumeId: this.volume.id,
      ...(this.policy ? { policy: this.policy } : {}),
      key: k.key,
      value,
      accepted,
      message: problemMessage(this.volume, k.key, value, reason, accepted),
    })
  }

  /** The value of the winning key of a field, `undefined` when absent or invalid (then a problem is recorded). */
  read<T>(scope: KeyScope, field: KeyField): { present: boolean; value: T | undefined; source?: PolicySource } {
    const keys = keysOf(scope, field)
    const present = keys.filter((k) => this.volume.metadata[k.key] !== undefined)
    if (present.length === 0) return ABSENT
    const ours = present.filter((k) => k.source === 'snapwarden')
    const winning = ours.length > 0 ? ours : present
    const values: { k: MetadataKey; raw: string; value: T }[] = []
    for (const k of winning) {
      const raw = this.volume.metadata[k.key]!
      const parsed = parseField(field, raw, k.source)
      if (!parsed.ok) this.problem(k, raw, parsed.reason)
      else values.push({ k, raw, value: parsed.value as T })
    }
    if (values.length !== winning.length) return { present: true, value: undefined }
    const [first, second] = values
    if (second && JSON.stringify(second.value) !== JSON.stringify(first!.value)) {
      this.problem(second.k, second.raw, `disagrees with ${first!.k.key}=${JSON.stringify(first!.raw)}`, `the same value as ${first!.k.key}`)
      return { present: true, value: undefined }
    }
    return { present: true, value: first!.value, source: first!.k.source }
  }
}

const TIER_FIELDS: readonly [keyof RetentionTiers, KeyField][] = [
  ['last', 'keepLast'],
  ['hourly', 'keepHourly'],
  ['daily', 'keepDaily'],
  ['weekly', 'keepWeekly'],
  ['monthly', 'keepMonthly'],
  ['yearly', 'keepYearly'],
]

function parseOne(volume: VolumeRef, kind: ScheduleKind, defaults: PolicyDefaults): { policy?: SnapshotPolicy; problems: PolicyProblem[] } {
  const r = new FieldReader(volume, kind)
  const enabled = r.read<boolean>(kind, 'enabled')
  if (enabled.value !== true) return { problems: r.problems }

  const timezone = r.read<string>(kind, 'timezone').value ?? defaults.timezone ?? DEFAULT_TIMEZONE
  const startTime = r.read<TimeOfDay>(kind, 'startTime').value ?? defaults.startTime ?? { hour: 0, minute: 0 }
  let schedule: Schedule
  if (kind === 'weekly') {
    schedule = { kind, timezone, startTime, weekday: r.read<IsoWeekday>(kind, 'weekday').value ?? defaults.weekday ?? 7 }
  } else if (kind === 'monthly') {
    schedule = { kind, timezone, startTime, dayOfMonth: r.read<number>(kind, 'dayOfMonth').value ?? defaults.dayOfMonth ?? DEFAULT_DAY_OF_MONTH }
  } else if (kind === 'express') {
    const intervalHours = r.read<ExpressInterval>(kind, 'intervalHours').value ?? defaults.intervalHours ?? (DEFAULT_INTERVAL_HOURS as ExpressInterval)
    schedule = { kind, timezone, startTime, intervalHours }
  } else {
    schedule = { kind, timezone, startTime }
  }

  r.read<string>(kind, 'retentionType') // informational, validated only
  const days = r.read<number | undefined>(kind, 'retentionDays')
  const keepCount = r.read<number>(kind, 'keepCount')
  const tiers: { -readonly [K in keyof RetentionTiers]: number } = {}
  let anyTierKey = false
  for (const [tier, field] of TIER_FIELDS) {
    const t = r.read<number>(kind, field)
    anyTierKey ||= t.present
    if (t.value !== undefined && t.value > 0) tiers[tier] = t.value
  }
  if (r.problems.length > 0) return { problems: r.problems }

  const defaultDays = defaults.retentionDays?.[kind] ?? DEFAULT_RETENTION_DAYS[kind]
  const noRuleKey = !days.present && !keepCount.present && !anyTierKey
  const maxAgeDays = noRuleKey ? defaultDays : days.present ? (days.value === undefined && days.source === 'snapsentry' ? defaultDays : days.value) : undefined
  const retention = {
    ...(maxAgeDays ? { maxAgeDays } : {}),
    ...(keepCount.value !== undefined ? { keepCount: keepCount.value } : {}),
    ...(Object.keys(tiers).length > 0 ? { tiers } : {}),
    timezone,
  }
  if (!retention.maxAgeDays && retention.keepCount === undefined && !retention.tiers) {
    const k = keysOf(kind, 'retentionDays')[0]!
    const raw = volume.metadata[k.key] ?? ''
    r.problems.push({
      volumeId: volume.id,
      policy: kind,
      key: k.key,
      value: raw,
      accepted: 'at least one retention rule: retention-days ≥ 1, keep-count or a keep-* tier ≥ 1',
      message: problemMessage(volume, k.key, raw, 'leaves the policy without any retention rule', 'at least one retention rule: retention-days ≥ 1, keep-count or a keep-* tier ≥ 1'),
    })
    return { problems: r.problems }
  }
  const source: PolicySource = Object.keys(volume.metadata).some((k) => k.startsWith(`x-snapwarden-${kind}-`)) ? 'snapwarden' : 'snapsentry'
  return { policy: { name: kind, schedule, retention, source }, problems: [] }
}

/**
 * The volume's active snapshot policies (in SCHEDULE_KINDS order), the problems found, and the
 * policies whose expiry an unknown key holds. Unknown keys are reported whatever the policies' state
 * (a misspelt `enabled` key leaves its policy off). Never throws. The lists are the caller's own.
 */
export function parseSnapshotPolicies(volume: VolumeRef, defaults: PolicyDefaults = NO_DEFAULTS): ParsedSnapshotPolicies {
  const problems: PolicyProblem[] = []
  const read = readSnapshotPolicies(volume, defaults, problems)
  return { policies: [...read.policies], problems, heldExpiry: read.heldExpiry.map((h) => ({ policy: h.policy, keys: [...h.keys] })) }
}

/** What readSnapshotPolicies returns: read-only, shared by every volume with the same keys under our prefixes. */
export interface SharedSnapshotPolicies {
  readonly policies: readonly SnapshotPolicy[]
  readonly heldExpiry: readonly HeldExpiry[]
}

/**
 * parseSnapshotPolicies for the planner, which reads each volume of a fleet once: the same result,
 * its problems appended to `problems` (naming this volume), its policies and held expiries shared
 * (frozen) between volumes, so a 100k-volume plan allocates nothing per volume for them.
 *
 * Each volume's keys are read once: most volumes of a cloud carry no key of ours and are settled
 * here (the prefix compared as unknownMetadataKeys compares it, case-insensitively, so it still sees
 * every key), and most of the others carry one of a few tag sets, parsed once per set: a set with a
 * misspelt or invalid key too (copied onto many volumes, it is as common as a clean one), its
 * problems re-addressed to each volume.
 */
export function readSnapshotPolicies(volume: VolumeRef, defaults: PolicyDefaults, problems: PolicyProblem[]): SharedSnapshotPolicies {
  let cache = defaults === LAST.defaults ? LAST.cache : PARSED.get(defaults)
  if (!cache) PARSED.set(defaults, (cache = { root: new Map(), size: 0 }))
  LAST.defaults = defaults
  LAST.cache = cache
  // A trie over the (key, value) pairs under our prefixes, in the volume's key order: exact (no two
  // sets meet; the parse does not depend on the order), and walked without building anything.
  const metadata = volume.metadata
  let level = cache.root
  let node: TrieNode | undefined
  let ours = false
  const names = Object.keys(metadata)
  for (let i = 0; i < names.length; i++) {
    // (an index, not for-of: the first plan of a process runs this unoptimized, where for-of makes an iterator result per key)
    const key = names[i]!
    const c = key.charCodeAt(0) // 'x' or 'X': most keys of a cloud are settled by their first letter
    if ((c !== 120 && c !== 88) || !isPolicyKey(key)) continue
    ours = true
    node = level.get(key)?.get(metadata[key]!)
    if (!node) break // a set not seen yet
    level = node.next
  }
  if (!ours) return NO_POLICIES
  if (node?.shared) return forVolume(node.shared, volume, problems)
  return readUnshared(volume, defaults, problems, cache)
}

/** A volume whose set of keys was not parsed yet: parsed, and its result shared when it can be (kept apart: rare, and long). */
function readUnshared(volume: VolumeRef, defaults: PolicyDefaults, problems: PolicyProblem[], cache: ParseCache): SharedSnapshotPolicies {
  const metadata = volume.metadata
  const keys = policyKeysOf(volume)
  const parsed = parseUncached(volume, defaults)
  for (const p of parsed.problems) problems.push(p)
  const shared = shareable(parsed, volume)
  if (!shared) return { policies: parsed.policies, heldExpiry: parsed.heldExpiry }
  if (cache.size >= PARSED_MAX) {
    cache = { root: new Map(), size: 0 }
    PARSED.set(defaults, cache)
    LAST.cache = cache
  }
  let level = cache.root
  let node: TrieNode | undefined
  for (const k of keys) {
    const v = metadata[k]!
    let byValue = level.get(k)
    if (!byValue) level.set(k, (byValue = new Map()))
    node = byValue.get(v)
    if (!node) byValue.set(v, (node = { next: new Map() }))
    level = node.next
  }
  node!.shared = shared
  cache.size++
  return shared
}

/** A parse result with its problems' volume left out: it depends on nothing but the volume's keys under our prefixes. */
interface SharedParse extends SharedSnapshotPolicies {
  /** Each problem without volumeId, and its message without the part naming the volume. */
  readonly problems: readonly { readonly problem: Omit<PolicyProblem, 'volumeId' | 'message'>; readonly detail: string }[]
}

interface TrieNode {
  /** By key, then by its value. */
  readonly next: Map<string, Map<string, TrieNode>>
  shared?: SharedParse
}

function shareable(parsed: ParsedSnapshotPolicies, volume: VolumeRef): SharedParse | undefined {
  // problemMessage is `${problemSubject(volume)}: ${detail}` for every problem the parse reports
  // (a message that is not is never shared).
  const lead = `${problemSubject(volume)}: `
  if (parsed.problems.some((p) => p.volumeId !== volume.id || !p.message.startsWith(lead))) return undefined
  return Object.freeze({
    policies: Object.freeze([...parsed.policies]),
    problems: Object.freeze(
      parsed.problems.map(({ volumeId: _volumeId, message, ...problem }) => Object.freeze({ problem: Object.freeze(problem), detail: message.slice(lead.length) })),
    ),
    heldExpiry: Object.freeze(parsed.heldExpiry.map((h) => Object.freeze({ policy: h.policy, keys: Object.freeze([...h.keys]) }))),
  })
}

/** The shared result for this volume: its problems (named after it) appended to `problems`. */
function forVolume(shared: SharedParse, volume: VolumeRef, problems: PolicyProblem[]): SharedParse {
  if (shared.problems.length > 0) {
    const subject = problemSubject(volume)
    for (const { problem, detail } of shared.problems) problems.push({ volumeId: volume.id, ...problem, message: `${subject}: ${detail}` })
  }
  return shared
}

const NO_DEFAULTS: PolicyDefaults = Object.freeze({})
const NO_POLICIES: SharedSnapshotPolicies = Object.freeze({ policies: Object.freeze([]), heldExpiry: Object.freeze([]) })
/** Parse results by defaults and by the volume's keys under our prefixes (with their values); bounded. */
interface ParseCache {
  readonly root: Map<string, Map<string, TrieNode>>
  size: number
}
const PARSED = new WeakMap<PolicyDefaults, ParseCache>()
/** The last defaults asked for and their cache: a plan asks with the same defaults for every volume. */
const LAST: { defaults: PolicyDefaults | undefined; cache: ParseCache | undefined } = { defaults: undefined, cache: undefined }
const PARSED_MAX = 4096

function parseUncached(volume: VolumeRef, defaults: PolicyDefaults): ParsedSnapshotPolicies {
  const unknown = unknownMetadataKeys(volume)
  const volumeReader = new FieldReader(volume, undefined)
  const managed = volumeReader.read<boolean>('volume', 'managed')
  if (volumeReader.problems.length > 0) return { policies: [], problems: [...volumeReader.problems, ...unknown.problems], heldExpiry: unknown.heldExpiry }
  if (managed.value === false) return { policies: [], problems: unknown.problems, heldExpiry: unknown.heldExpiry }
  const policies: SnapshotPolicy[] = []
  const problems: PolicyProblem[] = []
  for (const kind of SCHEDULE_KINDS) {
    const one = parseOne(volume, kind, defaults)
    if (one.policy) policies.push(one.policy)
    problems.push(...one.problems)
  }
  return { policies, problems: [...problems, ...unknown.problems], heldExpiry: unknown.heldExpiry }
}
