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
import type { PolicyProblem, SnapshotPolicy } from '../domain/policy.ts'
import { applySnapshotRetention, holdSnapshotRetention } from './retention.ts'
import { windowAt } from './schedule.ts'
import { findWindowDuplicates } from './window-duplicates.ts'
import { FAILED_SNAPSHOT_STATUSES } from '../domain/window-survivor.ts'
import { readSnapshotMarks, snapshotDescription, snapshotMetadata, snapshotName } from './snapshot-metadata.ts'
import type { SnapshotMarks } from './snapshot-metadata.ts'
import { parseSnapshotPolicies } from './snapshot-policy.ts'
import type { ParsedSnapshotPolicies, PolicyDefaults } from './snapshot-policy.ts'

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
  const first = volume.attachments[0]?.serverId
  const oneServer = first !== undefined && volume.attachments.every((a) => a.serverId === first)
  return oneServer ? first : `volume:${volume.id}`
}

interface Sortable {
  readonly item: SnapshotPlanItem
  readonly group: string
  readonly at: number
}

/** The items of one (project, group, volume): the first three keys of the plan's order. */
interface Bucket {
  readonly projectId: string
  readonly group: string
  readonly volumeId: string
  list: Sortable[]
}

const ACTION_ORDER = { create: 0, skip: 1, delete: 2, keep: 3 } as const
const policyRank = (p: string | undefined): number => (p === undefined ? SCHEDULE_KINDS.length : SCHEDULE_KINDS.indexOf(p as never))
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
const idOf = (i: SnapshotPlanItem): string => ('snapshotId' in i ? i.snapshotId : '')

export function buildSnapshotPlan(input: SnapshotPlanInput): SnapshotPlan {
  const { now, settings } = input
  const doCreate = settings.mode !== 'expire'
  const doExpire = settings.mode !== 'create'
  const buckets: Bucket[] = []
  const healBuckets = new Map<string, Bucket>()
  const tripleKey = (projectId: string, group: string, volumeId: string): string => `${projectId}\u0000${group}\u0000${volumeId}`
  const problems: PolicyProblem[] = []
  let volumeById: Map<string, VolumeRef> | undefined // only healing looks volumes up by id
  const snapshotsByVolume = new Map<string, SnapshotRecord[]>()
  for (const s of input.snapshots) {
    const list = snapshotsByVolume.get(s.volumeId)
    if (list) list.push(s)
    else snapshotsByVolume.set(s.volumeId, [s])
  }

  const healed = new Set<string>()
  // Creates of one window share one (frozen) reason list: a 100k-volume plan holds a few, not 100k.
  const reasonsByWindow = new Map<string, readonly string[]>()
  const noSnapshotReason = (key: string): readonly string[] => {
    let reasons = reasonsByWindow.get(key)
    if (!reasons) reasonsByWindow.set(key, (reasons = Object.freeze([`no snapshot for window ${key}`])))
    return reasons
  }
  const marksById = new Map<string, SnapshotMarks>()
  const parsedByVolume = new Map<string, ParsedSnapshotPolicies>()
  for (const v of input.volumes) {
    const parsed = parseSnapshotPolicies(v, settings.defaults)
    parsedByVolume.set(v.id, parsed)
    for (const p of parsed.problems) problems.push(p)
  }
  for (const s of input.snapshots) marksById.set(s.id, readSnapshotMarks(s, parsedByVolume.get(s.volumeId)?.policies ?? []))

  if (doExpire) {
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
        bucket = { projectId: s.projectId, group, volumeId: s.volumeId, list: [] }
        healBuckets.set(key, bucket)
        buckets.push(bucket)
      }
      bucket.list.push({
        group,
        at: s.createdAt.getTime(),
        item: {
          action: 'delete',
          purpose: 'heal',
          snapshotId: s.id,
          volumeId: s.volumeId,
          projectId: s.projectId,
          ...(marks.policy ? { policy: marks.policy } : {}),
          status: s.status,
          reasons: [`stuck in ${s.status} for ${minutes} min (limit ${Math.floor(settings.stuckAfterMs / 60_000)} min)`],
        },
      })
    }
  }

  for (const volume of input.volumes) {
    const group = groupOf(volume)
    const parsed = parsedByVolume.get(volume.id)!
    const policies = parsed.policies
    const snapshots = snapshotsByVolume.get(volume.id) ?? NO_SNAPSHOTS
    const base = { volumeId: volume.id, projectId: volume.projectId }
    const withHeals = healBuckets.size > 0 ? healBuckets.get(tripleKey(volume.projectId, group, volume.id)) : undefined
    const bucket: Bucket = withHeals ?? { projectId: volume.projectId, group, volumeId: volume.id, list: [] }
    const out = bucket.list
    for (const policy of policies) {
      const mine = snapshots.length === 0 ? NO_SNAPSHOTS : snapshots.filter((s) => marksById.get(s.id)!.policy === policy.name)
      const duplicates = findWindowDuplicates(mine.length === 0 ? mine : mine.filter((s) => !healed.has(s.id)), (s) => marksById.get(s.id)!)
      for (const d of duplicates.remove) {
        const s = d.snapshot
        out.push({
          group,
          at: s.createdAt.getTime(),
          item: { action: 'delete', purpose: 'duplicate', snapshotId: s.id, ...base, policy: policy.name, windowKey: d.windowKey, status: s.status, reasons: [d.reason] },
        })
      }
      if (doCreate) {
        const window = windowAt(policy.schedule, now)
        const taken = mine.find((s) => marksById.get(s.id)!.windowKey === window.key && !FAILED_SNAPSHOT_STATUSES.includes(s.status) && !healed.has(s.id))
        if (taken) {
          out.push({ group, at: now.getTime(), item: { action: 'skip', ...base, policy: policy.name, reasons: [`snapshot ${taken.id} (${taken.status}) already covers window ${window.key}`] } })
        } else if (!SNAPSHOTTABLE_VOLUME_STATUSES.includes(volume.status)) {
          out.push({ group, at: now.getTime(), item: { action: 'skip', ...base, policy: policy.name, reasons: [`volume status ${volume.status} cannot be snapshotted (window ${window.key})`] } })
        } else {
          out.push({
            group,
            at: now.getTime(),
            item: {
              action: 'create',
              ...base,
              group,
              policy: policy.name,
              window,
              name: snapshotName(policy.name, volume.id, window),
              description: snapshotDescription(policy, window),
              metadata: snapshotMetadata(policy, window),
              reasons: noSnapshotReason(window.key),
            },
          })
        }
      }
      if (doExpire && mine.length > 0) {
        for (const d of duplicates.later) {
          out.push({ group, at: d.snapshot.createdAt.getTime(), item: { action: 'keep', snapshotId: d.snapshot.id, ...base, policy: policy.name, reasons: [d.reason] } })
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
          out.push({ group, at: k.snapshot.createdAt.getTime(), item: { action: 'keep', snapshotId: k.snapshot.id, ...base, policy: policy.name, reasons: k.reasons } })
        }
        for (const r of remove) {
          const s = r.snapshot
          out.push({
            group,
            at: s.createdAt.getTime(),
            item: { action: 'delete', purpose: 'expire', snapshotId: s.id, ...base, policy: policy.name, status: s.status, reasons: r.reasons },
          })
        }
      }
    }
    if (doExpire && snapshots.length > 0) {
      const active = new Set(policies.map((p) => p.name))
      for (const s of snapshots) {
        const marks = marksById.get(s.id)!
        if (!marks.managed || healed.has(s.id) || (marks.policy && active.has(marks.policy))) continue
        const why = marks.policy ? `policy ${marks.policy} is not active on the volume: kept` : 'managed snapshot without a known policy: kept'
        out.push({ group, at: s.createdAt.getTime(), item: { action: 'keep', snapshotId: s.id, ...base, ...(marks.policy ? { policy: marks.policy } : {}), reasons: [why] } })
      }
    }
    if (!withHeals && out.length > 0) buckets.push(bucket)
  }

  return { items: sortItems(buckets), problems }
}

/**
 * Items by project, group, volume, then policy, action, newest first, id: the order of one sort with
 * that comparator, done as a sort of the (project, group, volume) buckets (built while planning, so
 * no per-item key) and a sort within each bucket. Buckets of the same three keys (an inventory that
 * lists a volume twice) are merged first, as one sort would interleave their items.
 */
function sortItems(buckets: Bucket[]): SnapshotPlanItem[] {
  const ordered = buckets.sort((a, b) => cmp(a.projectId, b.projectId) || cmp(a.group, b.group) || cmp(a.volumeId, b.volumeId))
  const items: SnapshotPlanItem[] = []
  for (let i = 0; i < ordered.length; i++) {
    let list = ordered[i]!.list
    while (i + 1 < ordered.length && sameKeys(ordered[i]!, ordered[i + 1]!)) list = [...list, ...ordered[++i]!.list]
    if (list.length > 1) {
      list.sort(
        (a, b) =>
          policyRank(a.item.policy) - policyRank(b.item.policy) ||
          ACTION_ORDER[a.item.action] - ACTION_ORDER[b.item.action] ||
          b.at - a.at ||
          cmp(idOf(a.item), idOf(b.item)),
      )
    }
    for (const s of list) items.push(s.item)
  }
  return items
}

const sameKeys = (a: Bucket, b: Bucket): boolean => a.projectId === b.projectId && a.group === b.group && a.volumeId === b.volumeId
