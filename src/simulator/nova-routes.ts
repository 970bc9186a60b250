import { atLeast, badRequest, bodyObject, forbidden, json, notFound, stringMap, type Route, type SimContext } from './sim-http.ts'
import { isTruthy } from './cinder-listing.ts'
import { isoSeconds } from './cinder-views.ts'
import { lowerBound } from './sorted-index.ts'
import type { SimServer } from './sim-types.ts'

export const NOVA_MIN = '2.1'
export const NOVA_MAX = '2.93'
const IMAGE_ID = 'f84959a4-b37f-403b-96fb-27662a5dde8a'

function versionDoc(origin: string): Record<string, unknown> {
  return {
    id: 'v2.1',
    status: 'CURRENT',
    version: NOVA_MAX,
    min_version: NOVA_MIN,
    updated: '2013-07-23T11:33:21Z',
    links: [
      { rel: 'self', href: `${origin}/compute/v2.1/` },
      { rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' },
    ],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' }],
  }
}

const novaTime = (ms: number): string => isoSeconds(ms) + 'Z'

function serverLinks(ctx: SimContext, id: string): unknown[] {
  return [
    { rel: 'self', href: `${ctx.origin}/compute/v2.1/servers/${id}` },
    { rel: 'bookmark', href: `${ctx.origin}/compute/servers/${id}` },
  ]
}

function serverView(ctx: SimContext, s: SimServer): Record<string, unknown> {
  const mv = ctx.mv
  const out: Record<string, unknown> = {
    id: s.id,
    name: s.name,
    status: s.status,
    tenant_id: s.projectId,
    user_id: s.userId,
    metadata: { ...s.metadata },
    hostId: s.id.replace(/-/g, '').padEnd(56, '0'),
    image: { id: IMAGE_ID, links: [{ rel: 'bookmark', href: `${ctx.origin}/compute/images/${IMAGE_ID}` }] },
    flavor: atLeast(mv, 2, 47)
      ? { vcpus: 1, ram: 512, disk: 1, ephemeral: 0, swap: 0, original_name: 'devcloud.small', extra_specs: {} }
      : { id: '68b57a5a-d2c3-459f-b860-54042b3b6901', links: [] },
    created: novaTime(s.createdAt),
    updated: novaTime(s.updatedAt),
    addresses: {},
    accessIPv4: '',
    accessIPv6: '',
    links: serverLinks(ctx, s.id),
    'OS-DCF:diskConfig': 'MANUAL',
    progress: 0,
    'OS-EXT-AZ:availability_zone': 'nova',
    config_drive: '',
    key_name: null,
    'OS-SRV-USG:launched_at': isoSeconds(s.createdAt) + '.000000',
    'OS-SRV-USG:terminated_at': null,
    'OS-EXT-STS:task_state': null,
    'OS-EXT-STS:vm_state': s.status === 'ACTIVE' ? 'active' : s.status.toLowerCase(),
    'OS-EXT-STS:power_state': s.status === 'ACTIVE' ? 1 : 4,
    'os-extended-volumes:volumes_attached': s.volumes.map((v) =>
      atLeast(mv, 2, 3) ? { id: v.id, delete_on_termination: v.deleteOnTermination } : { id: v.id },
    ),
  }
  if (atLeast(mv, 2, 9)) out['locked'] = false
  if (atLeast(mv, 2, 73)) out['locked_reason'] = null
  if (atLeast(mv, 2, 19)) out['description'] = null
  if (atLeast(mv, 2, 26)) out['tags'] = []
  if (atLeast(mv, 2, 63)) out['trusted_image_certificates'] = null
  return out
}

function findServer(ctx: SimContext): SimServer {
  const id = ctx.params['server_id'] ?? ''
  const s = ctx.state.servers.get(id)
  if (s === undefined || (!ctx.isAdmin && s.projectId !== ctx.token?.projectId)) throw notFound(`Instance ${id} could not be found.`)
  return s
}

function list(ctx: SimContext, maxLimit: number, detail: boolean) {
  const q = ctx.query
  const allTenants = isTruthy(q.get('all_tenants'))
  if (allTenants && !ctx.isAdmin) {
    throw forbidden(`Policy doesn't allow os_compute_api:servers:${detail ? 'detail:' : 'index:'}get_all_tenants to be performed.`)
  }
  const projectId = allTenants ? (q.get('project_id') ?? q.get('tenant_id') ?? undefined) : ctx.token?.projectId
  const source = ctx.state.servers.list(projectId)
  const rawLimit = q.get('limit')
  if (rawLimit !== null && !/^\d+$/.test(rawLimit)) throw badRequest("Invalid input for query parameters limit. Value: " + rawLimit + ". '" + rawLimit + "' does not match '^[0-9]*$'")
  const limit = Math.min(rawLimit === null ? maxLimit : Number(rawLimit), maxLimit)
  const markerId = q.get('marker')
  const marker = markerId === null ? undefined : ctx.state.servers.get(markerId)
  if (markerId !== null && marker === undefined) throw badRequest(`marker [${markerId}] not found`)
  const name = q.get('name')
  const status = q.get('status')
  const items: SimServer[] = []
  for (let i = marker === undefined ? source.length - 1 : lowerBound(source, marker) - 1; i >= 0 && items.length < limit; i--) {
    const s = source[i] as SimServer
    if (name !== null && !new RegExp(name).test(s.name)) continue
    if (status !== null && s.status !== status.toUpperCase()) continue
    items.push(s)
  }
  const servers = items.map((s) => (detail ? serverView(ctx, s) : { id: s.id, links: serverLinks(ctx, s.id), name: s.name }))
  const last = items[items.length - 1]
  if (last === undefined || items.length < limit) return json(200, { servers })
  const params = new URLSearchParams(q)
  params.delete('marker')
  params.append('marker', last.id)
  const href = `${ctx.origin}/compute/v2.1/servers${detail ? '/detail' : ''}?${params.toString()}`
  return json(200, { servers, servers_links: [{ rel: 'next', href }] })
}

function create(ctx: SimContext) {
  const body = bodyObject(ctx, 'server')
  if (typeof body['name'] !== 'string' || body['name'].length === 0) {
    throw badRequest("Invalid input for field/attribute server. Value: {}. 'name' is a required property")
  }
  const s = ctx.state.addServer({
    projectId: ctx.token?.projectId ?? '',
    userId: ctx.token?.userId ?? '',
    name: body['name'],
    metadata: stringMap(body['metadata'], 'metadata'),
  })
  const server = { id: s.id, links: serverLinks(ctx, s.id), 'OS-DCF:diskConfig': 'MANUAL', security_groups: [{ name: 'default' }], adminPass: 'simulated' }
  return json(202, { server }, { location: `${ctx.origin}/compute/v2.1/servers/${s.id}` })
}

function attach(ctx: SimContext) {
  const s = findServer(ctx)
  const va = bodyObject(ctx, 'volumeAttachment')
  const volumeId = String(va['volumeId'] ?? '')
  const vol = ctx.state.volumes.get(volumeId)
  if (vol === undefined || (!ctx.isAdmin && vol.projectId !== ctx.token?.projectId)) throw notFound(`Volume ${volumeId} could not be found.`)
  if (vol.status !== 'available' && !(vol.multiattach && vol.status === 'in-use')) {
    throw badRequest(`Invalid volume: volume ${vol.id} status must be available or downloading`)
  }
  ctx.state.attach(s.id, vol.id, va['delete_on_termination'] === true)
  const device = vol.attachments.find((a) => a.serverId === s.id)?.device ?? null
  const out: Record<string, unknown> = { id: vol.id, serverId: s.id, volumeId: vol.id, device }
  if (atLeast(ctx.mv, 2, 70)) out['tag'] = null
  if (atLeast(ctx.mv, 2, 79)) out['delete_on_termination'] = va['delete_on_termination'] === true
  return json(200, { volumeAttachment: out })
}

function metadata(ctx: SimContext, mode: 'merge' | 'replace') {
  const s = findServer(ctx)
  const b = ctx.body as { metadata?: unknown } | null
  if (b === null || typeof b !== 'object' || !('metadata' in b)) throw badRequest('Malformed request body')
  const m = stringMap(b.metadata, 'metadata')
  s.metadata = mode === 'merge' ? { ...s.metadata, ...m } : m
  s.updatedAt = ctx.state.now()
  return json(200, { metadata: { ...s.metadata } })
}

/** Nova v2.1, relative to `/compute`. */
export function novaRoutes(maxLimit: () => number): Route[] {
  return [
    { method: 'GET', template: '', public: true, handler: (ctx) => json(200, { versions: [versionDoc(ctx.origin)] }) },
    { method: 'GET', template: '/v2.1', public: true, handler: (ctx) => json(200, { version: versionDoc(ctx.origin) }) },
    { method: 'GET', template: '/v2.1/servers/detail', handler: (ctx) => list(ctx, maxLimit(), true) },
    { method: 'GET', template: '/v2.1/servers', handler: (ctx) => list(ctx, maxLimit(), false) },
    { method: 'POST', template: '/v2.1/servers', handler: create },
    { method: 'GET', template: '/v2.1/servers/{server_id}', handler: (ctx) => json(200, { server: serverView(ctx, findServer(ctx)) }) },
    {
      method: 'DELETE',
      template: '/v2.1/servers/{server_id}',
      handler: (ctx) => {
        const s = findServer(ctx)
        for (const v of [...s.volumes]) ctx.state.detach(s.id, v.id)
        ctx.state.servers.remove(s)
        return { status: 204 }
      },
    },
    { method: 'GET', template: '/v2.1/servers/{server_id}/metadata', handler: (ctx) => json(200, { metadata: { ...findServer(ctx).metadata } }) },
    { method: 'POST', template: '/v2.1/servers/{server_id}/metadata', handler: (ctx) => metadata(ctx, 'merge') },
    { method: 'PUT', template: '/v2.1/servers/{server_id}/metadata', handler: (ctx) => metadata(ctx, 'replace') },
    {
      method: 'GET',
      template: '/v2.1/servers/{server_id}/os-volume_attachments',
      handler: (ctx) => {
        const s = findServer(ctx)
        const volumeAttachments = s.volumes.map((v) => ({ id: v.id, serverId: s.id, volumeId: v.id }))
        return json(200, { volumeAttachments })
      },
    },
    { method: 'POST', template: '/v2.1/servers/{server_id}/os-volume_attachments', handler: attach },
    {
      method: 'DELETE',
      template: '/v2.1/servers/{server_id}/os-volume_attachments/{volume_id}',
      handler: (ctx) => {
        const s = findServer(ctx)
        const vid = ctx.params['volume_id'] ?? ''
        if (!s.volumes.some((v) => v.id === vid)) throw notFound(`volume_id not found: ${vid}`)
        ctx.state.detach(s.id, vid)
        return { status: 202 }
      },
    },
  ]
}
