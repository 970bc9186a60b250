import { findSnapshot, findVolume, metadataBody, metadataOps, optString, overLimit, parseBool, requireAdmin } from './cinder-common.ts'
import { listPage, metadataMatches, type ListSpec } from './cinder-listing.ts'
import { snapshotView } from './cinder-views.ts'
import { gigabytesInUse } from './cinder-volume-routes.ts'
import { atLeast, badRequest, bodyObject, json, notFound, type Route, type SimContext } from './sim-http.ts'
import type { SimSnapshot } from './sim-types.ts'

function spec(ctx: SimContext, maxLimit: number, path: string): ListSpec<SimSnapshot> {
  const filters: ListSpec<SimSnapshot>['filters'] = {
    name: (s, x) => s.name === x,
    status: (s, x) => s.status === x,
    volume_id: (s, x) => s.volumeId === x,
  }
  return {
    index: ctx.state.snapshots,
    path,
    maxLimit,
    allowed: ['name', 'status', 'volume_id', 'metadata', 'availability_zone'],
    indexed: { volume_id: 'volumeId', status: 'status' },
    filters: atLeast(ctx.mv, 3, 22) ? { ...filters, metadata: (s, x) => metadataMatches(s.metadata, x) } : filters,
    sortKeys: {
      created_at: (s) => s.createdAt,
      updated_at: (s) => s.updatedAt ?? 0,
      id: (s) => s.id,
      status: (s) => s.status,
      size: (s) => s.size,
    },
  }
}

function list(ctx: SimContext, maxLimit: number, detail: boolean) {
  const page = listPage(ctx, spec(ctx, maxLimit, detail ? 'snapshots/detail' : 'snapshots'))
  const snapshots = page.items.map((s) => snapshotView(ctx, s, detail ? 'detail' : 'summary'))
  return json(200, page.next === undefined ? { snapshots } : { snapshots, snapshots_links: [{ rel: 'next', href: page.next }] })
}

function create(ctx: SimContext) {
  const body = bodyObject(ctx, 'snapshot')
  const volumeId = body['volume_id']
  if (typeof volumeId !== 'string') throw badRequest("Invalid input for field/attribute snapshot. 'volume_id' is a required property")
  const vol = findVolume(ctx, volumeId)
  let valid = ['available']
  if (atLeast(ctx.mv, 3, 66)) {
    if ('force' in body && !parseBool(body['force'], 'force')) {
      throw badRequest(
        "Since microversion 3.66 the 'force' flag is invalid for this request.  For backward compatability, however, when the 'force' flag is passed with a value evaluating to True, it is silently ignored.",
      )
    }
    valid = ['available', 'in-use']
  } else if (parseBool(body['force'], 'force')) valid = ['available', 'in-use']
  if (!valid.includes(vol.status)) {
    throw badRequest(
      `Invalid volume: Volume ${vol.id} status must be ${valid.join(' or ')}, but current status is: ${vol.status}.`,
    )
  }
  const st = ctx.state
  // As Cinder: the snapshot belongs to (and is counted against) the project of the token, which
  // differs from the volume's when an admin snapshots another project's volume.
  const projectId = ctx.token?.projectId ?? vol.projectId
  const quota = st.quota(projectId)
  if (quota.snapshots >= 0 && st.snapshots.list(projectId).length + 1 > quota.snapshots) {
    return overLimit(`SnapshotLimitExceeded: Maximum number of snapshots allowed (${quota.snapshots}) exceeded`)
  }
  const used = gigabytesInUse(ctx, projectId)
  if (quota.gigabytes >= 0 && used + vol.size > quota.gigabytes) {
    return overLimit(
      `VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed gigabytes quota. Requested ${vol.size}G, quota is ${quota.gigabytes}G and ${used}G has been consumed.`,
    )
  }
  const snap = st.addSnapshot({
    volumeId: vol.id,
    projectId,
    userId: ctx.token?.userId ?? '',
    name: optString(body['name']),
    description: optString(body['description']),
    status: 'creating',
    metadata: body['metadata'] === undefined ? {} : metadataBody({ ...ctx, body }),
  })
  st.schedule(snap, { to: 'available' })
  return json(202, { snapshot: snapshotView(ctx, snap, 'created') })
}

function remove(ctx: SimContext) {
  const snap = findSnapshot(ctx, ctx.params['snapshot_id'] ?? '')
  if (snap.status !== 'available' && snap.status !== 'error') {
    throw badRequest('Invalid snapshot: Snapshot status must be available or error and must not be part of a group.')
  }
  startDelete(ctx, snap)
  return { status: 202, headers: { 'content-type': 'text/html; charset=UTF-8' } }
}

function startDelete(ctx: SimContext, snap: SimSnapshot): void {
  snap.status = 'deleting'
  snap.updatedAt = ctx.state.now()
  ctx.state.schedule(snap, { to: null })
}

function action(ctx: SimContext) {
  const snap = findSnapshot(ctx, ctx.params['snapshot_id'] ?? '')
  const body = (ctx.body ?? {}) as Record<string, unknown>
  if ('os-force_delete' in body) {
    requireAdmin(ctx, 'volume_extension:snapshot_admin_actions:force_delete')
    startDelete(ctx, snap)
    return { status: 202 }
  }
  if ('os-reset_status' in body) {
    requireAdmin(ctx, 'volume_extension:snapshot_admin_actions:reset_status')
    const status = (body['os-reset_status'] as { status?: unknown } | null)?.status
    if (typeof status !== 'string') throw badRequest('Must specify a valid status')
    snap.status = status
    snap.updatedAt = ctx.state.now()
    delete snap.transition
    return { status: 202 }
  }
  throw badRequest('There is no such action: ' + Object.keys(body).join(','))
}

/** Cinder v3 snapshots, relative to `/volume/v3/{project_id}`. */
export function snapshotRoutes(maxLimit: () => number): Route[] {
  const snap = (ctx: SimContext): SimSnapshot => findSnapshot(ctx, ctx.params['snapshot_id'] ?? '')
  const key = (ctx: SimContext, s: SimSnapshot): string => {
    const k = ctx.params['key'] ?? ''
    if (!(k in s.metadata)) throw notFound(`Snapshot ${s.id} has no metadata with key ${k}.`)
    return k
  }
  return [
    { method: 'GET', template: '/snapshots/detail', handler: (ctx) => list(ctx, maxLimit(), true) },
    { method: 'GET', template: '/snapshots', handler: (ctx) => list(ctx, maxLimit(), false) },
    { method: 'POST', template: '/snapshots', handler: create },
    { method: 'GET', template: '/snapshots/{snapshot_id}', handler: (ctx) => json(200, { snapshot: snapshotView(ctx, snap(ctx), 'detail') }) },
    { method: 'DELETE', template: '/snapshots/{snapshot_id}', handler: remove },
    { method: 'POST', template: '/snapshots/{snapshot_id}/action', handler: action },
    { method: 'GET', template: '/snapshots/{snapshot_id}/metadata', handler: (ctx) => json(200, { metadata: { ...snap(ctx).metadata } }) },
    {
      method: 'POST',
      template: '/snapshots/{snapshot_id}/metadata',
      handler: (ctx) => json(200, { metadata: metadataOps(snap(ctx), ctx.state.now()).merge(metadataBody(ctx)) }),
    },
    {
      method: 'PUT',
      template: '/snapshots/{snapshot_id}/metadata',
      handler: (ctx) => json(200, { metadata: metadataOps(snap(ctx), ctx.state.now()).replace(metadataBody(ctx)) }),
    },
    {
      method: 'DELETE',
      template: '/snapshots/{snapshot_id}/metadata/{key}',
      handler: (ctx) => {
        const s = snap(ctx)
        const k = key(ctx, s)
        const { [k]: _gone, ...rest } = s.metadata
        s.metadata = rest
        s.updatedAt = ctx.state.now()
        return { status: 200, headers: { 'content-type': 'text/html; charset=UTF-8' } }
      },
    },
  ]
}
