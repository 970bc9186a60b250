import { atLeast, type SimContext } from './sim-http.ts'
import type { SimBackup, SimSnapshot, SimVolume } from './sim-types.ts'

/** Cinder's zone-less timestamps: `2024-01-01T00:00:00.000000`. */
export function cinderTime(ms: number | null): string | null {
  return ms === null ? null : isoSeconds(ms) + '.000000'
}

/** Each timestamp is shown again at every listing round: its text is made once (a few µs each, thousands per page). */
const isoMemo = new Map<number, string>()
const ISO_MEMO_MAX = 200_000

/** `2024-01-01T00:00:00` of a time in ms (UTC, seconds). */
export function isoSeconds(ms: number): string {
  let text = isoMemo.get(ms)
  if (text === undefined) {
    if (isoMemo.size >= ISO_MEMO_MAX) isoMemo.clear()
    text = new Date(ms).toISOString().slice(0, 19)
    isoMemo.set(ms, text)
  }
  return text
}

export function volumeBase(ctx: SimContext): string {
  return `${ctx.origin}/volume/v3/${ctx.params['project_id'] ?? ''}`
}

function links(ctx: SimContext, collection: string, id: string, projectId: string): unknown[] {
  return [
    { rel: 'self', href: `${ctx.origin}/volume/v3/${projectId}/${collection}/${id}` },
    { rel: 'bookmark', href: `${ctx.origin}/volume/${projectId}/${collection}/${id}` },
  ]
}

/** `created` leaves out what Cinder's create answer leaves out. */
export function volumeView(ctx: SimContext, v: SimVolume, created = false): Record<string, unknown> {
  const projectId = ctx.params['project_id'] ?? v.projectId
  const out: Record<string, unknown> = {
    id: v.id,
    status: v.status,
    size: v.size,
    availability_zone: 'nova',
    created_at: cinderTime(v.createdAt),
    updated_at: cinderTime(v.updatedAt),
    name: v.name,
    description: v.description,
    volume_type: v.volumeType,
    snapshot_id: null,
    source_volid: null,
    metadata: { ...v.metadata },
    links: links(ctx, 'volumes', v.id, projectId),
    user_id: v.userId,
    bootable: v.bootable ? 'true' : 'false',
    encrypted: false,
    replication_status: null,
    consistencygroup_id: null,
    multiattach: v.multiattach,
    attachments: v.attachments.map((a) => ({
      id: v.id,
      attachment_id: a.id,
      volume_id: v.id,
      server_id: a.serverId,
      host_name: null,
      device: a.device,
      attached_at: cinderTime(a.attachedAt),
    })),
  }
  if (atLeast(ctx.mv, 3, 13)) out['group_id'] = null
  if (atLeast(ctx.mv, 3, 48)) {
    out['shared_targets'] = false
    out['service_uuid'] = '4bd24441-ef44-4cff-991f-0e034383f883'
  }
  if (atLeast(ctx.mv, 3, 63)) out['volume_type_id'] = '2637b41a-0c55-4e6a-98ef-b042914e01c1'
  if (atLeast(ctx.mv, 3, 65)) out['consumes_quota'] = true
  if (!created) out['os-vol-tenant-attr:tenant_id'] = v.projectId
  return out
}

/** kind: `summary` (GET /snapshots), `detail` (detail list, show) or `created` (POST answer). */
export function snapshotView(ctx: SimContext, s: SimSnapshot, kind: 'summary' | 'detail' | 'created'): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: s.id,
    created_at: cinderTime(s.createdAt),
    updated_at: cinderTime(s.updatedAt),
    name: s.name,
    description: s.description,
    volume_id: s.volumeId,
    status: s.status,
    size: s.size,
    metadata: { ...s.metadata },
  }
  if (kind === 'summary') return out
  if (atLeast(ctx.mv, 3, 14)) out['group_snapshot_id'] = null
  if (atLeast(ctx.mv, 3, 41)) out['user_id'] = s.userId
  if (atLeast(ctx.mv, 3, 65)) out['consumes_quota'] = true
  if (kind === 'detail') {
    out['os-extended-snapshot-attributes:project_id'] = s.projectId
    out['os-extended-snapshot-attributes:progress'] = s.status === 'available' ? '100%' : '0%'
  }
  return out
}

export function backupSummary(ctx: SimContext, b: SimBackup): Record<string, unknown> {
  return { id: b.id, name: b.name, links: links(ctx, 'backups', b.id, ctx.params['project_id'] ?? b.projectId) }
}

export function backupView(ctx: SimContext, b: SimBackup, hasDependents: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: b.id,
    status: b.status,
    size: b.size,
    object_count: b.status === 'available' ? b.objectCount : 0,
    availability_zone: null,
    container: `${b.id.slice(0, 2)}/${b.id.slice(2, 4)}/${b.id}`,
    created_at: cinderTime(b.createdAt),
    updated_at: cinderTime(b.updatedAt),
    name: b.name,
    description: b.description,
    fail_reason: b.failReason,
    volume_id: b.volumeId,
    links: links(ctx, 'backups', b.id, ctx.params['project_id'] ?? b.projectId),
    is_incremental: b.parentId !== null,
    has_dependent_backups: hasDependents,
    snapshot_id: b.snapshotId,
    data_timestamp: cinderTime(b.dataTimestamp),
  }
  if (ctx.isAdmin && atLeast(ctx.mv, 3, 18)) out['os-backup-project-attr:project_id'] = b.projectId
  if (ctx.isAdmin && atLeast(ctx.mv, 3, 56)) out['user_id'] = b.userId
  if (atLeast(ctx.mv, 3, 43)) out['metadata'] = { ...b.metadata }
  return out
}
