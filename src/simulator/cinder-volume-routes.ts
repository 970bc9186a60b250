import { findVolume, metadataBody, metadataOps, optString, overLimit, parseBool, requireAdmin } from './cinder-common.ts'
import { listPage, metadataMatches, type ListSpec } from './cinder-listing.ts'
import { volumeView } from './cinder-views.ts'
import { badRequest, bodyObject, json, notFound, pyRepr, stringMap, type Route, type SimContext } from './sim-http.ts'
import type { SimVolume } from './sim-types.ts'

const DELETABLE = ['available', 'error', 'error_restoring', 'error_extending', 'error_managing']

function volumeSpec(ctx: SimContext, maxLimit: number, path: string): ListSpec<SimVolume> {
  return {
    index: ctx.state.volumes,
    path,
    maxLimit,
    allowed: ['name', 'status', 'metadata', 'bootable', 'migration_status', 'availability_zone', 'group_id', 'size', 'created_at', 'updated_at'],
    indexed: { status: 'status' },
    filters: {
      name: (v, x) => v.name === x,
      status: (v, x) => v.status === x,
      metadata: (v, x) => metadataMatches(v.metadata, x),
      bootable: (v, x) => String(v.bootable) === x.toLowerCase(),
      size: (v, x) => String(v.size) === x,
    },
    sortKeys: {
      created_at: (v) => v.createdAt,
      updated_at: (v) => v.updatedAt ?? 0,
      id: (v) => v.id,
      name: (v) => v.name ?? '',
      status: (v) => v.status,
      size: (v) => v.size,
    },
  }
}

function list(ctx: SimContext, maxLimit: number, detail: boolean) {
  const page = listPage(ctx, volumeSpec(ctx, maxLimit, detail ? 'volumes/detail' : 'volumes'))
  const volumes = page.items.map((v) =>
    detail ? volumeView(ctx, v) : { id: v.id, links: (volumeView(ctx, v) as { links: unknown }).links, name: v.name },
  )
  return json(200, page.next === undefined ? { volumes } : { volumes, volumes_links: [{ rel: 'next', href: page.next }] })
}

function create(ctx: SimContext) {
  const body = bodyObject(ctx, 'volume')
  const size = body['size']
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1) {
    throw badRequest(`Invalid input for field/attribute size. Value: ${pyRepr(size)}. ${pyRepr(size)} is not of type 'integer'`)
  }
  const projectId = ctx.token?.projectId ?? ''
  const st = ctx.state
  const quota = st.quota(projectId)
  const mine = st.volumes.list(projectId)
  if (quota.volumes >= 0 && mine.length + 1 > quota.volumes) {
    return overLimit(`VolumeLimitExceeded: Maximum number of volumes allowed (${quota.volumes}) exceeded for quota 'volumes'.`)
  }
  const used = gigabytesInUse(ctx, projectId)
  if (quota.gigabytes >= 0 && used + size > quota.gigabytes) {
    return overLimit(
      `VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed gigabytes quota. Requested ${size}G, quota is ${quota.gigabytes}G and ${used}G has been consumed.`,
    )
  }
  const vol = st.addVolume({
    projectId,
    userId: ctx.token?.userId ?? '',
    name: optString(body['name']),
    description: optString(body['description']),
    size,
    status: 'creating',
    metadata: stringMap(body['metadata'], 'metadata'),
    multiattach: parseBool(body['multiattach'], 'multiattach'),
  })
  st.schedule(vol, { to: 'available' })
  return json(202, { volume: volumeView(ctx, vol, true) })
}

/** The project's volumes' and snapshots' gigabytes (kept per project by the indexes: no scan per create). */
export function gigabytesInUse(ctx: SimContext, projectId: string): number {
  return ctx.state.volumes.sizeIn(projectId) + ctx.state.snapshots.sizeIn(projectId)
}

function remove(ctx: SimContext) {
  const vol = findVolume(ctx, ctx.params['volume_id'] ?? '')
  const hasSnapshots = ctx.state.snapshots.list(vol.projectId).some((s) => s.volumeId === vol.id)
  if (!DELETABLE.includes(vol.status) || vol.attachments.length > 0 || hasSnapshots) {
    throw badRequest(
      'Invalid volume: Volume status must be available or error or error_restoring or error_extending or error_managing and must not be migrating, attached, belong to a group, have snapshots, awaiting a transfer, or be disassociated from snapshots after volume transfer.',
    )
  }
  vol.status = 'deleting'
  vol.updatedAt = ctx.state.now()
  ctx.state.schedule(vol, { to: null })
  return { status: 202, headers: { 'content-type': 'text/html; charset=UTF-8' } }
}

function action(ctx: SimContext) {
  const vol = findVolume(ctx, ctx.params['volume_id'] ?? '')
  const body = (ctx.body ?? {}) as Record<string, unknown>
  if ('os-reset_status' in body) {
    requireAdmin(ctx, 'volume_extension:volume_admin_actions:reset_status')
    const status = (body['os-reset_status'] as { status?: unknown } | null)?.status
    if (typeof status !== 'string') throw badRequest('Must specify a valid status')
    vol.status = status
    delete vol.transition
    return { status: 202 }
  }
  if ('os-force_delete' in body) {
    requireAdmin(ctx, 'volume_extension:volume_admin_actions:force_delete')
    vol.status = 'deleting'
    ctx.state.schedule(vol, { to: null })
    return { status: 202 }
  }
  throw badRequest('There is no such action: ' + Object.keys(body).join(','))
}

function metaKey(ctx: SimContext, vol: SimVolume): string {
  const key = ctx.params['key'] ?? ''
  if (!(key in vol.metadata)) throw notFound(`Volume ${vol.id} has no metadata with key ${key}.`)
  return key
}

/** Cinder v3 volumes, relative to `/volume/v3/{project_id}`. */
export function volumeRoutes(maxLimit: () => number): Route[] {
  const vol = (ctx: SimContext): SimVolume => findVolume(ctx, ctx.params['volume_id'] ?? '')
  return [
    { method: 'GET', template: '/volumes/detail', handler: (ctx) => list(ctx, maxLimit(), true) },
    { method: 'GET', template: '/volumes', handler: (ctx) => list(ctx, maxLimit(), false) },
    { method: 'POST', template: '/volumes', handler: create },
    { method: 'GET', template: '/volumes/{volume_id}', handler: (ctx) => json(200, { volume: volumeView(ctx, vol(ctx)) }) },
    { method: 'DELETE', template: '/volumes/{volume_id}', handler: remove },
    { method: 'POST', template: '/volumes/{volume_id}/action', handler: action },
    { method: 'GET', template: '/volumes/{volume_id}/metadata', handler: (ctx) => json(200, { metadata: { ...vol(ctx).metadata } }) },
    {
      method: 'POST',
      template: '/volumes/{volume_id}/metadata',
      handler: (ctx) => json(200, { metadata: metadataOps(vol(ctx), ctx.state.now()).merge(metadataBody(ctx)) }),
    },
    {
      method: 'PUT',
      template: '/volumes/{volume_id}/metadata',
      handler: (ctx) => json(200, { metadata: metadataOps(vol(ctx), ctx.state.now()).replace(metadataBody(ctx)) }),
    },
    {
      method: 'GET',
      template: '/volumes/{volume_id}/metadata/{key}',
      handler: (ctx) => {
        const v = vol(ctx)
        const k = metaKey(ctx, v)
        return json(200, { meta: { [k]: v.metadata[k] } })
      },
    },
    {
      method: 'DELETE',
      template: '/volumes/{volume_id}/metadata/{key}',
      handler: (ctx) => {
        const v = vol(ctx)
        const k = metaKey(ctx, v)
        const { [k]: _gone, ...rest } = v.metadata
        v.metadata = rest
        v.updatedAt = ctx.state.now()
        return { status: 200, headers: { 'content-type': 'text/html; charset=UTF-8' } }
      },
    },
  ]
}
