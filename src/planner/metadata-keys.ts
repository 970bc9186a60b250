/**
 * The registry of every volume metadata key Snapwarden reads: our namespace `x-snapwarden-<kind>-*`
 * and SnapSentry's `x-snapsentry-<kind>-*`. One entry per key; it drives the parser's messages
 * ("accepted: …"), the Glance metadefs namespace and `unsubscribe`.
 *
 * Precedence: for each field of a policy, our key wins over SnapSentry's when present. Defaults apply
 * only to absent keys.
 */
import { SCHEDULE_KINDS } from '../domain/policy.ts'
import type { PolicySource, ScheduleKind } from '../domain/policy.ts'

export const KEY_FIELDS = [
  'managed',
  'enabled',
  'timezone',
  'startTime',
  'weekday',
  'dayOfMonth',
  'intervalHours',
  'retentionDays',
  'retentionType',
  'keepCount',
  'keepLast',
  'keepHourly',
  'keepDaily',
  'keepWeekly',
  'keepMonthly',
  'keepYearly',
] as const
export type KeyField = (typeof KEY_FIELDS)[number]

/** `volume` for volume-level keys, else the policy (schedule kind) the key belongs to. */
export type KeyScope = ScheduleKind | 'volume'

export interface MetadataKey {
  readonly key: string
  readonly scope: KeyScope
  readonly field: KeyField
  readonly source: PolicySource
  readonly type: 'boolean' | 'string' | 'integer'
  readonly title: string
  readonly description: string
  /** What the parser accepts, as printed in problems: `HH:MM, 00:00–23:59`. */
  readonly accepted: string
  readonly enum?: readonly string[]
  readonly minimum?: number
  readonly maximum?: number
  readonly pattern?: string
  /** The value used when the key is absent (none: the field is optional). */
  readonly default?: string | number | boolean
}

/** SnapSentry's retention-days defaults, used when its value is ≤ 0 or no retention rule is set. */
export const DEFAULT_RETENTION_DAYS: Readonly<Record<ScheduleKind, number>> = { express: 1, daily: 2, weekly: 7, monthly: 30 }
export const DEFAULT_TIMEZONE = 'UTC'
export const DEFAULT_START_TIME = '00:00'
export const DEFAULT_WEEKDAY = 'sunday'
export const DEFAULT_DAY_OF_MONTH = 1
export const DEFAULT_INTERVAL_HOURS = 6
export const MAX_KEEP = 10_000
export const MAX_RETENTION_DAYS = 36_500

export const WEEKDAY_NAMES = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const
const TIME_PATTERN = '^([01]?[0-9]|2[0-3]):[0-5][0-9]$'

type Spec = Omit<MetadataKey, 'key' | 'scope' | 'source'>

const cap = (k: string): string => k[0]!.toUpperCase() + k.slice(1)
const BOOL: Pick<Spec, 'type' | 'accepted' | 'enum'> = { type: 'boolean', accepted: 'true, false (any case)' }
const TZ: Pick<Spec, 'type' | 'accepted'> = { type: 'string', accepted: 'an IANA time zone such as Europe/Berlin, or UTC' }
const TIME: Pick<Spec, 'type' | 'accepted' | 'pattern'> = { type: 'string', accepted: 'HH:MM, 00:00–23:59', pattern: TIME_PATTERN }
const WEEKDAY: Pick<Spec, 'type' | 'accepted' | 'enum'> = {
  type: 'string',
  accepted: 'a weekday name or 3-letter abbreviation (any case), or 0–7 (0 and 7 = Sunday, 1 = Monday)',
  enum: WEEKDAY_NAMES,
}
const count = (what: string, min: number): Pick<Spec, 'type' | 'accepted' | 'minimum' | 'maximum'> => ({
  type: 'integer',
  accepted: `an integer ${min}–${MAX_KEEP}${what}`,
  minimum: min,
  maximum: MAX_KEEP,
})

const TIER_WORDS = { keepLast: 'last', keepHourly: 'hourly', keepDaily: 'daily', keepWeekly: 'weekly', keepMonthly: 'monthly', keepYearly: 'yearly' } as const

function kindKeys(kind: ScheduleKind): MetadataKey[] {
  const K = cap(kind)
  const ours = (suffix: string, field: KeyField, spec: Omit<Spec, 'field'>): MetadataKey => ({
    key: `x-snapwarden-${kind}-${suffix}`,
    scope: kind,
    source: 'snapwarden',
    field,
    ...spec,
  })
  const theirs = (suffix: string, field: KeyField, spec: Omit<Spec, 'field'>): MetadataKey => ({
    key: `x-snapsentry-${kind}-${suffix}`,
    scope: kind,
    source: 'snapsentry',
    field,
    ...spec,
  })
  const out: MetadataKey[] = [
    ours('enabled', 'enabled', { ...BOOL, title: `${K}: enabled`, description: `Take ${kind} snapshots of this volume (wins over x-snapsentry-${kind}-enabled).`, default: false }),
    theirs('enabled', 'enabled', { ...BOOL, title: `${K}: enabled (SnapSentry)`, description: `SnapSentry-compatible switch for the ${kind} policy.`, default: false }),
    ours('timezone', 'timezone', { ...TZ, title: `${K}: time zone`, description: 'Zone of the schedule and of calendar buckets.', default: DEFAULT_TIMEZONE }),
    theirs('timezone', 'timezone', { ...TZ, title: `${K}: time zone (SnapSentry)`, description: 'SnapSentry-compatible time zone.', default: DEFAULT_TIMEZONE }),
    ours('start-time', 'startTime', {
      ...TIME,
      title: `${K}: start time`,
      description: kind === 'express' ? 'Wall-clock anchor of the express slots (slots start here + n × interval).' : 'Wall-clock time at which each window opens.',
      default: DEFAULT_START_TIME,
    }),
  ]
  if (kind !== 'express') {
    out.push(theirs('start-time', 'startTime', { ...TIME, title: `${K}: start time (SnapSentry)`, description: 'SnapSentry-compatible start time.', default: DEFAULT_START_TIME }))
  }
  if (kind === 'weekly') {
    out.push(
      ours('weekday', 'weekday', { ...WEEKDAY, title: 'Weekly: weekday', description: 'Day of the week the weekly window opens.', default: DEFAULT_WEEKDAY }),
      theirs('start-day-of-week', 'weekday', { ...WEEKDAY, title: 'Weekly: day of week (SnapSentry)', description: 'SnapSentry-compatible weekday.', default: DEFAULT_WEEKDAY }),
    )
  }
  if (kind === 'monthly') {
    const dom = { type: 'integer', accepted: 'an integer 1–31 (clamped to the month’s last day)', minimum: 1, maximum: 31, default: DEFAULT_DAY_OF_MONTH } as const
    out.push(
      ours('day-of-month', 'dayOfMonth', { ...dom, title: 'Monthly: day of month', description: 'Day the monthly window opens; 29–31 mean the last day in shorter months.' }),
      theirs('start-day-of-month', 'dayOfMonth', { ...dom, title: 'Monthly: day of month (SnapSentry, read)', description: 'The key SnapSentry’s parser reads.' }),
      theirs('day-of-month', 'dayOfMonth', { ...dom, title: 'Monthly: day of month (SnapSentry, written)', description: 'The key SnapSentry’s subscribe writes; must agree with start-day-of-month when both are set.' }),
    )
  }
  if (kind === 'express') {
    const iv = { type: 'string', accepted: '6, 8 or 12', enum: ['6', '8', '12'], default: String(DEFAULT_INTERVAL_HOURS) } as const
    out.push(
      ours('interval-hours', 'intervalHours', { ...iv, title: 'Express: interval (hours)', description: 'Hours between express slots.' }),
      theirs('interval-hours', 'intervalHours', { ...iv, title: 'Express: interval (hours, SnapSentry)', description: 'SnapSentry-compatible interval.' }),
    )
  }
  out.push(
    ours('retention-days', 'retentionDays', {
      type: 'integer',
      accepted: `an integer 0–${MAX_RETENTION_DAYS} (0 = no age rule)`,
      minimum: 0,
      maximum: MAX_RETENTION_DAYS,
      title: `${K}: keep for days`,
      description: `Keep snapshots younger than this many days. When no retention key is set at all: ${DEFAULT_RETENTION_DAYS[kind]}.`,
    }),
    theirs('retention-days', 'retentionDays', {
      type: 'integer',
      accepted: `an integer up to ${MAX_RETENTION_DAYS} (≤ 0 = SnapSentry default ${DEFAULT_RETENTION_DAYS[kind]})`,
      maximum: MAX_RETENTION_DAYS,
      title: `${K}: retention days (SnapSentry)`,
      description: 'SnapSentry-compatible age rule.',
      default: DEFAULT_RETENTION_DAYS[kind],
    }),
    theirs('retention-type', 'retentionType', {
      type: 'string',
      accepted: 'time, count (any case)',
      enum: ['time', 'count'],
      title: `${K}: retention type (SnapSentry)`,
      description: 'Informational; SnapSentry writes it. Not used for decisions.',
      default: 'time',
    }),
    ours('keep-count', 'keepCount', { ...count('', 1), title: `${K}: keep newest N`, description: 'Keep the newest N available snapshots of this policy.' }),
  )
  for (const [field, word] of Object.entries(TIER_WORDS) as [KeyField, string][]) {
    out.push(
      ours(`keep-${word}`, field, {
        ...count(' (0 = off)', 0),
        title: `${K}: keep ${word}`,
        description: word === 'last' ? 'restic --keep-last: the newest N snapshots.' : `restic --keep-${word}: the newest snapshot of each of the N newest ${word} buckets.`,
      }),
    )
  }
  return out
}

const VOLUME_KEYS: MetadataKey[] = [
  {
    key: 'x-snapwarden-managed',
    scope: 'volume',
    field: 'managed',
    source: 'snapwarden',
    ...BOOL,
    title: 'Managed by Snapwarden',
    description: '"false" opts the whole volume out (wins over x-snapsentry-managed); policies are switched on by their enabled keys.',
  },
  {
    key: 'x-snapsentry-managed',
    scope: 'volume',
    field: 'managed',
    source: 'snapsentry',
    ...BOOL,
    title: 'Managed by SnapSentry',
    description: 'SnapSentry-compatible; "false" opts the volume out unless x-snapwarden-managed says otherwise.',
  },
]

export const METADATA_KEYS: readonly MetadataKey[] = [...VOLUME_KEYS, ...SCHEDULE_KINDS.flatMap(kindKeys)]

const byKey = new Map(METADATA_KEYS.map((k) => [k.key, k]))

/** The registry entry of a key, if it is one of ours or SnapSentry's. */
export function metadataKey(key: string): MetadataKey | undefined {
  return byKey.get(key)
}

const NO_KEYS: readonly MetadataKey[] = []
const byField = new Map<KeyScope, Map<KeyField, readonly MetadataKey[]>>()
for (const k of METADATA_KEYS) {
  const fields = byField.get(k.scope) ?? new Map<KeyField, readonly MetadataKey[]>()
  byField.set(k.scope, fields.set(k.field, [...(fields.get(k.field) ?? NO_KEYS), k]))
}
for (const fields of byField.values()) {
  for (const [f, list] of fields) fields.set(f, [...list].sort((a, b) => (a.source === b.source ? 0 : a.source === 'snapwarden' ? -1 : 1)))
}

/** The keys of one field, ours first (ours win), then SnapSentry's (computed once: the parser asks per volume). */
export function keysOf(scope: KeyScope, field: KeyField): readonly MetadataKey[] {
  return byField.get(scope)?.get(field) ?? NO_KEYS
}
