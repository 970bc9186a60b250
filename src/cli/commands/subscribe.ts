/** `subscribe <kind>` and `unsubscribe <kind>`: read-modify-write of a volume's metadata, other keys kept. */
import { UserError } from '../../domain/errors.ts'
import type { ScheduleKind } from '../../domain/policy.ts'
import { SCHEDULE_KINDS } from '../../domain/policy.ts'
import { parseSnapshotPolicies } from '../../planner/snapshot-policy.ts'
import { subscribeMetadata, unsubscribeKeys, type SubscribeOptions } from '../../planner/subscribe-metadata.ts'
import { parseInterval, parseInteger, parseTimeOfDay, parseTimeZone, parseWeekday } from '../../planner/metadata-values.ts'
import { defineCommand } from '../command.ts'
import { EXIT } from '../exit-codes.ts'
import { volumeById } from '../volume-by-id.ts'

interface SubscribeOpts {
  readonly kind: ScheduleKind
  readonly volumeId: string
  readonly json: boolean
  readonly settings: SubscribeOptions
}

function kindOf(args: readonly string[], verb: string): ScheduleKind {
  const kind = args[0]
  if (!SCHEDULE_KINDS.includes(kind as ScheduleKind)) throw new UserError(`${verb} "${kind ?? ''}": accepted: ${SCHEDULE_KINDS.join(', ')}`)
  return kind as ScheduleKind
}

function need<T>(flag: string, raw: unknown, parse: (s: string) => { ok: true; value: T } | { ok: false; reason: string }): T | undefined {
  if (raw === undefined) return undefined
  const r = parse(String(raw))
  if (!r.ok) throw new UserError(`${flag} "${String(raw)}": ${r.reason}`)
  return r.value
}

const intOpt = (min: number, max: number) => (s: string) => parseInteger(s, min, max)

export const subscribeCommand = defineCommand<SubscribeOpts>({
  name: 'subscribe',
  summary: 'tag a volume with a snapshot policy: subscribe express|daily|weekly|monthly --volume-id ID [...]',
  configure: (cmd) =>
    cmd
      .argument('<kind>', 'express, daily, weekly or monthly')
      .requiredOption('--volume-id <id>', 'the volume to protect')
      .option('--timezone <zone>', 'IANA time zone of the schedule (default UTC)')
      .option('--start-time <HH:MM>', 'wall-clock start of each window (daily, weekly, monthly; express offset)')
      .option('--week-day <day>', 'weekly: monday … sunday')
      .option('--month-day <n>', 'monthly: 1–31, clamped to the month\'s last day')
      .option('--interval-hours <n>', 'express: 6, 8 or 12')
      .option('--retention <days>', 'keep snapshots this many days (SnapSentry\'s retention)')
      .option('--keep-count <n>', 'keep the newest N available snapshots')
      .option('--keep-last <n>', 'tiers: keep the last N')
      .option('--keep-hourly <n>', 'tiers: one per hour for N hours')
      .option('--keep-daily <n>', 'tiers: one per day for N days')
      .option('--keep-weekly <n>', 'tiers: one per ISO week for N weeks')
      .option('--keep-monthly <n>', 'tiers: one per month for N months')
      .option('--keep-yearly <n>', 'tiers: one per year for N years')
      .option('--json', 'print the resulting policy as JSON', false),
  parseOptions(raw, args) {
    const kind = kindOf(args, 'subscribe')
    const settings: SubscribeOptions = Object.fromEntries(
      Object.entries({
        timezone: need('--timezone', raw.timezone, parseTimeZone),
        startTime: need('--start-time', raw.startTime, parseTimeOfDay),
        weekday: need('--week-day', raw.weekDay, parseWeekday),
        dayOfMonth: need('--month-day', raw.monthDay, intOpt(1, 31)),
        intervalHours: need('--interval-hours', raw.intervalHours, parseInterval),
        retentionDays: need('--retention', raw.retention, intOpt(1, 36500)),
        keepCount: need('--keep-count', raw.keepCount, intOpt(1, 10000)),
        keepLast: need('--keep-last', raw.keepLast, intOpt(1, 10000)),
        keepHourly: need('--keep-hourly', raw.keepHourly, intOpt(1, 10000)),
        keepDaily: need('--keep-daily', raw.keepDaily, intOpt(1, 10000)),
        keepWeekly: need('--keep-weekly', raw.keepWeekly, intOpt(1, 10000)),
        keepMonthly: need('--keep-monthly', raw.keepMonthly, intOpt(1, 10000)),
        keepYearly: need('--keep-yearly', raw.keepYearly, intOpt(1, 10000)),
      }).filter(([, v]) => v !== undefined),
    )
    return { kind, volumeId: String(raw.volumeId), json: raw.json === true, settings }
  },
  async run(opts, deps) {
    const { cloud } = await deps.openCloud()
    const volume = await volumeById(cloud, opts.volumeId)
    const pairs = subscribeMetadata(opts.kind, opts.settings)
    // Validate the volume's metadata as it will be, before writing anything.
    const after = parseSnapshotPolicies({ ...volume, metadata: { ...volume.metadata, ...pairs } })
    const problems = after.problems.filter((p) => p.policy === opts.kind || p.policy === undefined)
    if (problems.length) throw new UserError(problems.map((p) => p.message).join('; '), 'PLAN_POLICY_INVALID')
    await cloud.setVolumeMetadata(volume.id, pairs)
    const policy = after.policies.find((p) => p.name === opts.kind)
    if (opts.json) deps.out.json({ volumeId: volume.id, metadata: pairs, policy })
    else deps.out.line(`volume ${volume.id} (${volume.name}) subscribed to ${opts.kind}: ${Object.entries(pairs).map(([k, v]) => `${k}=${v}`).join(' ')}`)
    return EXIT.ok
  },
})

interface UnsubscribeOpts {
  readonly kind: ScheduleKind
  readonly volumeId: string
}

export const unsubscribeCommand = defineCommand<UnsubscribeOpts>({
  name: 'unsubscribe',
  summary: "remove a snapshot policy's keys from a volume (other keys and existing snapshots are kept)",
  configure: (cmd) => cmd.argument('<kind>', 'express, daily, weekly or monthly').requiredOption('--volume-id <id>', 'the volume'),
  parseOptions: (raw, args) => ({ kind: kindOf(args, 'unsubscribe'), volumeId: String(raw.volumeId) }),
  async run(opts, deps) {
    const { cloud } = await deps.openCloud()
    const volume = await volumeById(cloud, opts.volumeId)
    const present = unsubscribeKeys(opts.kind).filter((k) => k in volume.metadata)
    for (const key of present) await cloud.deleteVolumeMetadataKey(volume.id, key)
    deps.out.line(`volume ${volume.id} (${volume.name}) unsubscribed from ${opts.kind}: removed ${present.length ? present.join(', ') : 'nothing (not subscribed)'}`)
    return EXIT.ok
  },
})
