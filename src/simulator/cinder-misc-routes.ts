import { requireAdmin } from './cinder-common.ts'
import { gigabytesInUse } from './cinder-volume-routes.ts'
import { atLeast, json, notFound, type Route, type SimContext } from './sim-http.ts'

export const CINDER_MIN = '3.0'
export const CINDER_MAX = '3.70'

export function cinderVersions(origin: string): unknown {
  return {
    versions: [
      {
        id: 'v3.0',
        status: 'CURRENT',
        version: CINDER_MAX,
        min_version: CINDER_MIN,
        updated: '2022-08-31T00:00:00Z',
        links: [
          { rel: 'describedby', type: 'text/html', href: 'https://docs.openstack.org/' },
          { rel: 'self', href: `${origin}/volume/v3/` },
        ],
        'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.volume+json;version=3' }],
      },
    ],
  }
}

function quotaSet(ctx: SimContext) {
  const projectId = ctx.params['target_project_id'] ?? ''
  if (!ctx.isAdmin && projectId !== ctx.token?.projectId) requireAdmin(ctx, 'volume_extension:quotas:show')
  const st = ctx.state
  const q = st.quota(projectId)
  const volumes = st.volumes.list(projectId)
  const backups = st.backups.list(projectId)
  const snapshots = st.snapshots.list(projectId)
  const gigabytes = gigabytesInUse(ctx, projectId)
  const volGb = volumes.reduce((n, v) => n + v.size, 0)
  const inUse: [string, number, number][] = [
    ['volumes', q.volumes, volumes.length],
    ['per_volume_gigabytes', q.perVolumeGigabytes, 0],
    ['snapshots', q.snapshots, snapshots.length],
    ['gigabytes', q.gigabytes, gigabytes],
    ['backups', q.backups, backups.length],
    ['backup_gigabytes', q.backupGigabytes, backups.reduce((n, b) => n + b.size, 0)],
    ['volumes___DEFAULT__', -1, volumes.length],
    ['gigabytes___DEFAULT__', -1, volGb],
    ['snapshots___DEFAULT__', -1, snapshots.length],
    ['groups', q.groups, 0],
  ]
  const usage = ctx.query.get('usage') === 'true' || ctx.query.get('usage') === 'True'
  const out: Record<string, unknown> = {}
  for (const [k, limit, used] of inUse) out[k] = usage ? { limit, in_use: used, reserved: 0 } : limit
  out['id'] = projectId
  return json(200, { quota_set: out })
}

function attachments(ctx: SimContext) {
  if (!atLeast(ctx.mv, 3, 27)) throw notFound('The resource could not be found.')
  const projectId = ctx.token?.projectId
  const out: unknown[] = []
  for (const v of ctx.state.volumes.list(projectId)) {
    for (const a of v.attachments) out.push({ id: a.id, status: 'attached', instance: a.serverId, volume_id: v.id })
  }
  return json(200, { attachments: out })
}

/** Version documents (relative to `/volume`), quotas and attachments (relative to `/v3/{project_id}`). */
export const cinderRootRoutes: readonly Route[] = [
  { method: 'GET', template: '', public: true, handler: (ctx) => json(300, cinderVersions(ctx.origin)) },
  { method: 'GET', template: '/v3', handler: (ctx) => json(200, cinderVersions(ctx.origin)) },
]

export const cinderMiscRoutes: readonly Route[] = [
  { method: 'GET', template: '/os-quota-sets/{target_project_id}', handler: quotaSet },
  { method: 'GET', template: '/attachments', handler: attachments },
]
