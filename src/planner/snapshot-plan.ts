/**
 * The snapshot plan: inventory + now → items with reasons (create, skip, keep, delete). Pure.
 *
 * - create (mode create|all): per volume and active policy, the window containing `now`; a snapshot of
 *   that volume+policy+window in any status except error/error_deleting/deleting means it is taken
 *   (skip), unless it is being healed in this plan. Volumes not `available`/`in-use` are skipped with a reason.
 * - expire (mode expire|all): retention per volume+policy over managed snapshots (ours and
 *   SnapSentry's). Snapshots of a policy that is not active (disabled, removed or invalid) are kept,
 *   and so are all of a policy whose expiry an unknown key on the volume holds (snapshot-policy.ts).
 * - duplicates (every mode): snapshots of one volume+policy that carry the same window key; the one
 *   that loses the survivor order (domain/window-survivor.ts: healthy first, then oldest, then id) is
 *   deleted with purpose `duplicate` once deletable, whoever made it; retention does not count them.
 * - heal (mode expire|all): managed snapshots stuck in creating/deleting/error/error_deleting for more
 *   than `stuckAfterMs` (from updatedAt ?? createdAt) are deleted with purpose `heal`; the executor
 *   escalates to force-delete. Their volume need not be in the inventory.
 * - Unmanaged snapshots are never touched. Items are ordered by project, group, volume, policy.
 */
import type { SnapshotRecord, VolumeRef } from '../domain/inventory.ts'
import type { SnapshotPlanItem } from '../domain/plan.ts'
import { SCHEDULE_KINDS } from '../domain/policy.ts'
import type { PolicyProblem, ScheduleWindow, SnapshotPolicy } from '../domain/policy.ts'
import { applySnapshotRetention, holdSnapshotRetention } from './retention.ts'
import { windowAt } from './schedule.ts'
import { findWindowDuplicates, NO_DUPLICATES } from './window-duplicates.ts'
import { FAILED_SNAPSHOT_STATUSES } from '../domain/window-survivor.ts'
import { readSnapshotMarks, snapshotDescription, snapshotMetadata, snapshotNameParts } from './snapshot-metadata.ts'
import type { SnapshotMarks } from './snapshot-metadata.ts'
import { readSnapshotPolicies } from './snapshot-policy.ts'
import type { PolicyDefaults, SharedSnapshotPolicies } from './snapshot-policy.ts'

export const SNAPSHOT_PLAN_MODES = ['create', 'expire', 'all'] as const
export type SnapshotPlanMode = (typeof SNAPSHOT_PLAN_MODES)[number]

export interface SnapshotPlanSettings {
  readonly mode: SnapshotPlanMode
  /** A managed snapshot in a transitional or error state for longer than this is healed. */
  readonly stuckAfterMs: number
  readonly defaults?: PolicyDefaults
}

export interface SnapshotPlanInput {
  readonly volumes: readonly VolumeRef[]
  readonly snapshots: readonly SnapshotRecord[]
  readonly now: Date
  readonly settings: SnapshotPlanSettings
}

export interface SnapshotPlan {
  readonly items: SnapshotPlanItem[]
  readonly problems: PolicyProblem[]
}

/** Statuses that do not count as "this window is taken". */
export { FAILED_SNAPSHOT_STATUSES }
/** Statuses healing acts on (once stuck). */
export const HEALABLE_SNAPSHOT_STATUSES: readonly string[] = ['creating', 'deleting', 'error', 'error_deleting']
/** Volume statuses a snapshot can be taken from (`in-use` with Cinder's force flag). */
export const SNAPSHOTTABLE_VOLUME_STATUSES: readonly string[] = ['available', 'in-use']
const NO_SNAPSHOTS: readonly SnapshotRecord[] = Object.freeze([])

/** Volumes of one server share a group; multi-attached and detached volumes get their own. */
export function groupOf(volume: VolumeRef): string {
  const attachments = volume.attachments
  const first = attachments[0]?.serverId
  if (first === undefined) return `volume:${volume.id}`
  for (let i = 1; i < attachments.length; i++) if (attachments[i]!.serverId !== first) return `volume:${volume.id}`
  return first
}

/** An item and the instant it sorts by (newest first): a create's or skip's is `now`, a snapshot's its createdAt. */
interface Sortable {
  readonly item: SnapshotPlanItem
  readonly at: Date
}

/**
 * The items of one (project, group, volume): the first three keys of the plan's order. Most hold
 * one item: it is kept in the bucket itself (`item`, `at`), the others in `more`.
 */
interface Bucket {
  readonly projectId: string
  readonly group: string
  readonly volumeId: string
  item: SnapshotPlanItem | undefined
  at: Date
  more: Sortable[] | undefined
}

function newBucket(projectId: string, group: string, volumeId: string): Bucket {
  return { projectId, group, volumeId, item: undefined, at: EPOCH, more: undefined }
}
const EPOCH = new Date(0)

function addItem(bucket: Bucket, item: SnapshotPlanItem, at: Date): void {
  if (bucket.item === undefined) {
    bucket.item = item
    bucket.at = at
  } else if (bucket.more) bucket.more.push({ item, at })
  else bucket.more = [{ item, at }]
}

const ACTION_ORDER = { create: 0, skip: 1, delete: 2, keep: 3 } as const
const policyRank = (p: string | undefined): number => (p === undefined ? SCHEDULE_KINDS.length : SCHEDULE_KINDS.indexOf(p as never))
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
const idOf = (i: SnapshotPlanItem): string => ('snapshotId' in i ? i.snapshotId : '')
const tripleKey = (projectId: string, group: string, volumeId: string): string => `${projectId}\u0000${group}\u0000${volumeId}`

/** What every volume of one plan reads; built once per plan. */
interface PlanContext {
  readonly now: Date
  readonly settings: SnapshotPlanSettings
  readonly doCreate: boolean
  readonly doExpire: boolean
  readonly snapshotsByVolume: ReadonlyMap<string, SnapshotRecord[]>
  readonly marksById: ReadonlyMap<string, SnapshotMarks>
  readonly healed: ReadonlySet<string>
  readonly healBuckets: ReadonlyMap<string, Bucket>
  /** What the creates of one policy object share (volumes of one tag set share their parsed policies). */
  readonly creates: Map<SnapshotPolicy, CreateTemplate>
  /** Creates of one window share one (frozen) reason list: a 100k-volume plan holds a few, not 100k. */
  readonly reasonsByWindow: Map<string, readonly string[]>
  readonly buckets: Bucket[]
}

/** The parts of a create that depend only on its policy and `now`: built once per policy object and plan. */
interface CreateTemplate {
  /** The window containing `now`. */
  readonly window: ScheduleWindow
  /** The snapshot name is namePrefix + volume id + nameSuffix (snapshotName). */
  readonly namePrefix: string
  readonly nameSuffix: string
  readonly description: string
  readonly metadata: Readonly<Record<string, string>>
  readonly reasons: readonly string[]
}

export function buildSnapshotPlan(input: SnapshotPlanInput): SnapshotPlan {
  const { now, settings, volumes, snapshots } = input
  const problems: PolicyProblem[] = []
  // Each volume's keys are read once; volumes of one tag set share one (read-only) result.
  const defaults = settings.defaults ?? NO_DEFAULTS
  const parsed: SharedSnapshotPolicies[] = new Array<SharedSnapshotPolicies>(volumes.length)
  // By volume id, the last listing of a volume winning (a volume listed twice is planned with its
  // last keys), for the snapshots' marks; a plan without snapshots or a volume listed twice goes by position.
  const ids = snapshots.length > 0 ? undefined : new Set<string>()
  for (let i = 0; i < volumes.length; i++) {
    const volume = volumes[i]!
    parsed[i] = readSnapshotPolicies(volume, defaults, problems)
    ids?.add(volume.id)
  }
  let parsedById: Map<string, SharedSnapshotPolicies> | undefined
  if (ids === undefined || ids.size !== volumes.length) {
    parsedById = new Map()
    for (let i = 0; i < volumes.length; i++) parsedById.set(volumes[i]!.id, parsed[i]!)
  }
  const snapshotsByVolume = new Map<string, SnapshotRecord[]>()
  const marksById = new Map<string, SnapshotMarks>()
  for (const s of snapshots) {
    const list = snapshotsByVolume.get(s.volumeId)
    if (list) list.push(s)
    else snapshotsByVolume.set(s.volumeId, [s])
  }
  for (const s of snapshots) marksById.set(s.id, readSnapshotMarks(s, parsedById!.get(s.volumeId)?.policies ?? NO_POLICIES))

  const ctx: PlanContext = {
    now,
    settings,
    doCreate: settings.mode !== 'expire',
    doExpire: settings.mode !== 'create',
    snapshotsByVolume,
    marksById,
    healed: new Set<string>(),
    healBuckets: new Map<string, Bucket>(),
    creates: new Map<SnapshotPolicy, CreateTemplate>(),
    reasonsByWindow: new Map<string, readonly string[]>(),
    buckets: [],
  }
  if (ctx.doExpire && snapshots.length > 0) planHeals(ctx, input)
  for (let i = 0; i < volumes.length; i++) {
    const volume = volumes[i]!
    planVolume(ctx, volume, parsedById ? parsedById.get(volume.id)! : parsed[i]!)
  }
  return { items: sortItems(ctx.buckets), problems }
}

const NO_DEFAULTS: PolicyDefaults = Object.freeze({})
const NO_POLICIES: readonly SnapshotPolicy[] = Object.freeze([])

/** Managed snapshots stuck in a transitional or error state for longer than stuckAfterMs: deleted with purpose `heal`. */
function planHeals(ctx: PlanContext, input: SnapshotPlanInput): void {
  const { now, settings, marksById } = ctx
  const healed = ctx.healed as Set<string>
  const healBuckets = ctx.healBuckets as Map<string, Bucket>
  let volumeById: Map<string, VolumeRef> | undefined // only healing looks volumes up by id
  for (const s of input.snapshots) {
    const marks = marksById.get(s.id)!
    if (!marks.managed || !HEALABLE_SNAPSHOT_STATUSES.includes(s.status)) continue
    const since = (s.updatedAt ?? s.createdAt).getTime()
    if (now.getTime() - since <= settings.stuckAfterMs) continue
    healed.add(s.id)
    volumeById ??= new Map(input.volumes.map((v) => [v.id, v]))
    const volume = volumeById.get(s.volumeId)
    const minutes = Math.floor((now.getTime() - since) / 60_000)
    const group = volume ? groupOf(volume) : `volume:${s.volumeId}`
    const key = tripleKey(s.projectId, group, s.volumeId)
    let bucket = healBuckets.get(key)
    if (!bucket) {
      bucket = newBucket(s.projectId, group, s.volumeId)
      healBuckets.set(key, bucket)
      ctx.buckets.push(bucket)
    }
    addItem(
      bucket,
      {
        action: 'delete',
        purpose: 'heal',
        snapshotId: s.id,
        volumeId: s.volumeId,
        projectId: s.projectId,
        ...(marks.policy ? { policy: marks.policy } : {}),
        status: s.status,
        reasons: [`stuck in ${s.status} for ${minutes} min (limit ${Math.floor(settings.stuckAfterMs / 60_000)} min)`],
      },
      s.createdAt,
    )
  }
}

/** One volume's items: per active policy duplicates, the create (or skip) of the current window, retention; then its managed snapshots of no active policy. */
function planVolume(ctx: PlanContext, volume: VolumeRef, parsed: SharedSnapshotPolicies): void {
  // No closure here (those that read snapshots are in planPolicy, planInactive): this runs once per
  // volume, and the first plan of a process runs it unoptimized, where a closure costs an allocation.
  const policies = parsed.policies
  const snapshots = ctx.snapshotsByVolume.size === 0 ? NO_SNAPSHOTS : (ctx.snapshotsByVolume.get(volume.id) ?? NO_SNAPSHOTS)
  if (policies.length === 0 && (snapshots.length === 0 || !ctx.doExpire)) return // nothing to plan (the usual volume without a policy)
  const group = groupOf(volume)
  const withHeals = ctx.healBuckets.size > 0 ? ctx.healBuckets.get(tripleKey(volume.projectId, group, volume.id)) : undefined
  const bucket: Bucket = withHeals ?? newBucket(volume.projectId, group, volume.id)
  for (let p = 0; p < policies.length; p++) {
    if (snapshots.length > 0) planPolicy(ctx, bucket, volume, group, parsed, policies[p]!, snapshots)
    else if (ctx.doCreate) addItem(bucket, createOrSkip(ctx, volume, group, policies[p]!, NO_SNAPSHOTS), ctx.now)
  }
  if (ctx.doExpire && snapshots.length > 0) planInactive(ctx, bucket, volume, policies, snapshots)
  if (!withHeals && bucket.item !== undefined) ctx.buckets.push(bucket)
}

/** One active policy of a volume that has snapshots: its duplicates, the create (or skip) of the current window, retention. */
function planPolicy(
  ctx: PlanContext,
  bucket: Bucket,
  volume: VolumeRef,
  group: string,
  parsed: SharedSnapshotPolicies,
  policy: SnapshotPolicy,
  snapshots: readonly SnapshotRecord[],
): void {
  const { now, marksById, healed } = ctx
  const mine = snapshots.filter((s) => marksById.get(s.id)!.policy === policy.name)
  const duplicates = mine.length < 2 ? NO_DUPLICATES : findWindowDuplicates(mine.filter((s) => !healed.has(s.id)), (s) => marksById.get(s.id)!)
  for (const d of duplicates.remove) {
    const s = d.snapshot
    addItem(
      bucket,
      { action: 'delete', purpose: 'duplicate', snapshotId: s.id, volumeId: volume.id, projectId: volume.projectId, policy: policy.name, windowKey: d.windowKey, status: s.status, reasons: [d.reason] },
      s.createdAt,
    )
  }
  if (ctx.doCreate) addItem(bucket, createOrSkip(ctx, volume, group, policy, mine), now)
  if (ctx.doExpire && mine.length > 0) {
    for (const d of duplicates.later) {
      addItem(bucket, { action: 'keep', snapshotId: d.snapshot.id, volumeId: volume.id, projectId: volume.projectId, policy: policy.name, reasons: [d.reason] }, d.snapshot.createdAt)
    }
    const verdicts = applySnapshotRetention(
      duplicates.ids.size > 0 ? mine.filter((s) => !duplicates.ids.has(s.id)) : mine,
      policy,
      now,
      (s) => marksById.get(s.id)!,
    )
    const held = parsed.heldExpiry.find((h) => h.policy === policy.name)
    const { keep, remove } = held ? holdSnapshotRetention(verdicts, `expiry held: unknown key ${held.keys.join(', ')} on the volume`) : verdicts
    for (const k of keep) {
      if (healed.has(k.snapshot.id)) continue
      addItem(bucket, { action: 'keep', snapshotId: k.snapshot.id, volumeId: volume.id, projectId: volume.projectId, policy: policy.name, reasons: k.reasons }, k.snapshot.createdAt)
    }
    for (const r of remove) {
      const s = r.snapshot
      addItem(
        bucket,
        { action: 'delete', purpose: 'expire', snapshotId: s.id, volumeId: volume.id, projectId: volume.projectId, policy: policy.name, status: s.status, reasons: r.reasons },
        s.createdAt,
      )
    }
  }
}

/** A volume's managed snapshots of no active policy: kept. */
function planInactive(ctx: PlanContext, bucket: Bucket, volume: VolumeRef, policies: readonly SnapshotPolicy[], snapshots: readonly SnapshotRecord[]): void {
  const active = new Set(policies.map((p) => p.name))
  for (const s of snapshots) {
    const marks = ctx.marksById.get(s.id)!
    if (!marks.managed || ctx.healed.has(s.id) || (marks.policy && active.has(marks.policy))) continue
    const why = marks.policy ? `policy ${marks.policy} is not active on the volume: kept` : 'managed snapshot without a known policy: kept'
    addItem(
      bucket,
      { action: 'keep', snapshotId: s.id, volumeId: volume.id, projectId: volume.projectId, ...(marks.policy ? { policy: marks.policy } : {}), reasons: [why] },
      s.createdAt,
    )
  }
}

/** The create of the window containing `now`, or the skip saying why not (taken, or the volume cannot be snapshotted). */
function createOrSkip(ctx: PlanContext, volume: VolumeRef, group: string, policy: SnapshotPolicy, mine: readonly SnapshotRecord[]): SnapshotPlanItem {
  let create = ctx.creates.get(policy)
  if (!create) ctx.creates.set(policy, (create = createTemplate(ctx, policy)))
  const window = create.window
  if (mine.length > 0) {
    const key = window.key
    const taken = mine.find((s) => ctx.marksById.get(s.id)!.windowKey === key && !FAILED_SNAPSHOT_STATUSES.includes(s.status) && !ctx.healed.has(s.id))
    if (taken) {
      return { action: 'skip', volumeId: volume.id, projectId: volume.projectId, policy: policy.name, reasons: [`snapshot ${taken.id} (${taken.status}) already covers window ${key}`] }
    }
  }
  if (!SNAPSHOTTABLE_VOLUME_STATUSES.includes(volume.status)) {
    return { action: 'skip', volumeId: volume.id, projectId: volume.projectId, policy: policy.name, reasons: [`volume status ${volume.status} cannot be snapshotted (window ${window.key})`] }
  }
  return {
    action: 'create',
    volumeId: volume.id,
    projectId: volume.projectId,
    group,
    policy: policy.name,
    window,
    name: create.namePrefix + volume.id + create.nameSuffix,
    description: create.description,
    metadata: create.metadata,
    reasons: create.reasons,
  }
}

function createTemplate(ctx: PlanContext, policy: SnapshotPolicy): CreateTemplate {
  const window = windowAt(policy.schedule, ctx.now)
  let reasons = ctx.reasonsByWindow.get(window.key)
  if (!reasons) ctx.reasonsByWindow.set(window.key, (reasons = Object.freeze([`no snapshot for window ${window.key}`])))
  const [namePrefix, nameSuffix] = snapshotNameParts(policy.name, window)
  return { window, namePrefix, nameSuffix, description: snapshotDescription(policy, window), metadata: snapshotMetadata(policy, window), reasons }
}

/**
 * Items by project, group, volume, then policy, action, newest first, id: the order of one sort with
 * that comparator, done as a sort of the (project, group, volume) buckets (built while planning, so
 * no per-item key) and a sort within each bucket. Buckets of the same three keys (an inventory that
 * lists a volume twice) are merged first, as one sort would interleave their items.
 */
function sortItems(buckets: Bucket[]): SnapshotPlanItem[] {
  const ordered = sortBuckets(buckets)
  const items: SnapshotPlanItem[] = []
  for (let i = 0; i < ordered.length; i++) {
    const first = ordered[i]!
    if (first.more === undefined && !(i + 1 < ordered.length && sameKeys(first, ordered[i + 1]!))) {
      items.push(first.item!) // one item: nothing to order within
      continue
    }
    const list = sortablesOf(first)
    while (i + 1 < ordered.length && sameKeys(first, ordered[i + 1]!)) list.push(...sortablesOf(ordered[++i]!))
    list.sort(
      (a, b) =>
        policyRank(a.item.policy) - policyRank(b.item.policy) ||
        ACTION_ORDER[a.item.action] - ACTION_ORDER[b.item.action] ||
        b.at.getTime() - a.at.getTime() ||
        cmp(idOf(a.item), idOf(b.item)),
    )
    for (const s of list) items.push(s.item)
  }
  return items
}

type BucketKeys = Pick<Bucket, 'projectId' | 'group' | 'volumeId'>

/**
 * The buckets by project, group, volume, as a stable sort with that order would leave them: by
 * project first (a few dozen, sorted once), then each project's buckets by group and volume, so each
 * of the comparisons (130k for 10k volumes in one sort) compares two keys, not three.
 */
function sortBuckets(buckets: Bucket[]): Bucket[] {
  if (buckets.length < 2) return buckets
  const byProject = new Map<string, Bucket[]>()
  for (let i = 0; i < buckets.length; i++) {
    const b = buckets[i]!
    const list = byProject.get(b.projectId)
    if (list) list.push(b)
    else byProject.set(b.projectId, [b])
  }
  if (byProject.size === 1) return buckets.sort(groupVolumeOrder)
  const projects = [...byProject.keys()].sort() // by UTF-16 code units, as `<` compares strings
  const ordered: Bucket[] = []
  for (let p = 0; p < projects.length; p++) {
    const list = byProject.get(projects[p]!)!.sort(groupVolumeOrder)
    for (let i = 0; i < list.length; i++) ordered.push(list[i]!)
  }
  return ordered
}

/** Group, then volume: one call per comparison. */
function groupVolumeOrder(a: Bucket, b: Bucket): number {
  const ga = a.group
  const gb = b.group
  if (ga !== gb) return ga < gb ? -1 : 1
  const va = a.volumeId
  const vb = b.volumeId
  return va === vb ? 0 : va < vb ? -1 : 1
}

const sortablesOf = (b: Bucket): Sortable[] => (b.item === undefined ? [] : [{ item: b.item, at: b.at }, ...(b.more ?? [])])
const sameKeys = (a: Bucket, b: Bucket): boolean => a.projectId === b.projectId && a.group === b.group && a.volumeId === b.volumeId
