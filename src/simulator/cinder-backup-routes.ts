import { findBackup, findSnapshot, findVolume, optString, overLimit, parseBool, requireAdmin } from './cinder-common.ts'
import { listPage, type ListSpec } from './cinder-listing.ts'
import { backupSummary, backupView } from './cinder-views.ts'
import { atLeast, badRequest, bodyObject, json, pyRepr, stringMap, type Route, type SimContext } from './sim-http.ts'
import type { SimBackup, SimSnapshot } from './sim-types.ts'

function spec(ctx: SimContext, maxLimit: number, path: string): ListSpec<SimBackup> {
  return {
    index: ctx.state.backups,
    path,
    maxLimit,
    allowed: ['name', 'status', 'volume_id'],
    indexed: { volume_id: 'volumeId', status: 'status' },
    filters: {
      name: (b, x) => b.name === x,
      status: (b, x) => b.status === x,
      volume_id: (b, x) => b.volumeId === x,
    },
    sortKeys: {
      created_at: (b) => b.createdAt,
      updated_at: (b) => b.updatedAt ?? 0,
      id: (b) => b.id,
      name: (b) => b.name ?? '',
      status: (b) => b.status,
      size: (b) => b.size,
    },
  }
}

function list(ctx: SimContext, maxLimit: number, detail: boolean) {
  const page = listPage(ctx, spec(ctx, maxLimit, detail ? 'backups/detail' : 'backups'))
  const st = ctx.state
  const backups = page.items.map((b) => (detail ? backupView(ctx, b, st.hasDependentBackups(b.id)) : backupSummary(ctx, b)))
  return json(200, page.next === undefined ? { backups } : { backups, backups_links: [{ rel: 'next', href: page.next }] })
}

const CREATE_KEYS = ['volume_id', 'container', 'description', 'incremental', 'force', 'name', 'snapshot_id']

function create(ctx: SimContext) {
  const body = bodyObject(ctx, 'backup')
  const allowed = [...CREATE_KEYS, ...(atLeast(ctx.mv, 3, 43) ? ['metadata'] : []), ...(atLeast(ctx.mv, 3, 51) ? ['availability_zone'] : [])]
  const extra = Object.keys(body).filter((k) => !allowed.includes(k))
  if (extra.length > 0) {
    const what = extra.map((k) => `'${k}'`).join(', ')
    throw badRequest(
      `Invalid input for field/attribute backup. Value: ${pyRepr(body)}. Additional properties are not allowed (${what} ${extra.length > 1 ? 'were' : 'was'} unexpected)`,
    )
  }
  const volumeId = body['volume_id']
  if (typeof volumeId !== 'string') throw badRequest("Invalid input for field/attribute backup. 'volume_id' is a required property")
  const vol = findVolume(ctx, volumeId)
  const snapshotId = optString(body['snapshot_id'])
  const snap: SimSnapshot | undefined = snapshotId === null ? undefined : findSnapshot(ctx, snapshotId)
  const force = parseBool(body['force'], 'force')
  const incremental = parseBool(body['incremental'], 'incremental')
  if (vol.status !== 'available' && vol.status !== 'in-use') {
    throw badRequest(`Invalid volume: Volume to be backed up must be available or in-use, but the current status is "${vol.status}".`)
  }
  if (vol.status === 'in-use' && snap === undefined && !force) {
    throw badRequest('Invalid volume: Backing up an in-use volume must use the force flag.')
  }
  if (snap !== undefined && snap.status !== 'available') {
    throw badRequest(`Invalid snapshot: Snapshot to be backed up must be available, but the current status is "${snap.status}".`)
  }
  const st = ctx.state
  // As Cinder: the backup belongs to (and is counted against) the project of the token.
  const projectId = ctx.token?.projectId ?? vol.projectId
  const quota = st.quota(projectId)
  const mine = st.backups.list(projectId)
  if (quota.backups >= 0 && mine.length + 1 > quota.backups) {
    return overLimit(`BackupLimitExceeded: Maximum number of backups allowed (${quota.backups}) exceeded`)
  }
  // Kept by the index as backups come and go (a sum over the project's backups per create was O(n)).
  const used = st.backups.sizeIn(projectId)
  if (quota.backupGigabytes >= 0 && used + vol.size > quota.backupGigabytes) {
    return overLimit(
      `VolumeBackupSizeExceedsAvailableQuota: Requested backup exceeds allowed Backup gigabytes quota. Requested ${vol.size}G, quota is ${quota.backupGigabytes}G and ${used}G has been consumed.`,
    )
  }
  let parentId: string | null = null
  if (incremental) {
    const candidates = mine.filter((b) => b.volumeId === vol.id)
    const usable = candidates.filter((b) => b.status === 'available' && (snap === undefined || b.dataTimestamp < snap.createdAt))
    const parent = usable.reduce<SimBackup | undefined>((best, b) => (best === undefined || b.dataTimestamp > best.dataTimestamp ? b : best), undefined)
    if (parent === undefined) throw badRequest('Invalid backup: No backups available to do an incremental backup.')
    parentId = parent.id
  }
  const backup = st.addBackup({
    volumeId: vol.id,
    projectId,
    userId: ctx.token?.userId ?? '',
    name: optString(body['name']),
    description: optString(body['description']),
    snapshotId,
    parentId,
    status: 'creating',
    dataTimestamp: snap?.createdAt ?? st.now(),
    metadata: stringMap(body['metadata'], 'metadata'),
    ...(snap === undefined ? { volumeStatusBefore: vol.status } : {}),
  })
  if (snap === undefined) vol.status = 'backing-up'
  st.schedule(backup, { to: 'available' })
  return json(202, { backup: backupSummary(ctx, backup) })
}

function startDelete(ctx: SimContext, b: SimBackup): void {
  if (ctx.state.hasDependentBackups(b.id)) throw badRequest('Invalid backup: Incremental backups exist for this backup.')
  b.status = 'deleting'
  b.updatedAt = ctx.state.now()
  ctx.state.schedule(b, { to: null })
}

function remove(ctx: SimContext) {
  const b = findBackup(ctx, ctx.params['backup_id'] ?? '')
  if (b.status !== 'available' && b.status !== 'error') throw badRequest('Invalid backup: Backup status must be available or error')
  startDelete(ctx, b)
  return { status: 202, headers: { 'content-type': 'text/html; charset=UTF-8' } }
}

function action(ctx: SimContext) {
  const b = findBackup(ctx, ctx.params['backup_id'] ?? '')
  const body = (ctx.body ?? {}) as Record<string, unknown>
  if ('os-force_delete' in body) {
    requireAdmin(ctx, 'volume_extension:backup_admin_actions:force_delete')
    startDelete(ctx, b)
    return { status: 202 }
  }
  if ('os-reset_status' in body) {
    requireAdmin(ctx, 'volume_extension:backup_admin_actions:reset_status')
    const status = (body['os-reset_status'] as { status?: unknown } | null)?.status
    if (status !== 'available' && status !== 'error') throw badRequest(`Invalid input received: Invalid backup status ${String(status)}`)
    b.status = status
    b.updatedAt = ctx.state.now()
    delete b.transition
    return { status: 202 }
  }
  throw badRequest('There is no such action: ' + Object.keys(body).join(','))
}

/** Cinder v3 backups, relative to `/volume/v3/{project_id}`. */
export function backupRoutes(maxLimit: () => number): Route[] {
  return [
    { method: 'GET', template: '/backups/detail', handler: (ctx) => list(ctx, maxLimit(), true) },
    { method: 'GET', template: '/backups', handler: (ctx) => list(ctx, maxLimit(), false) },
    { method: 'POST', template: '/backups', handler: create },
    {
      method: 'GET',
      template: '/backups/{backup_id}',
      handler: (ctx) => {
        const b = findBackup(ctx, ctx.params['backup_id'] ?? '')
        return json(200, { backup: backupView(ctx, b, ctx.state.hasDependentBackups(b.id)) })
      },
    },
    { method: 'DELETE', template: '/backups/{backup_id}', handler: remove },
    { method: 'POST', template: '/backups/{backup_id}/action', handler: action },
  ]
}
