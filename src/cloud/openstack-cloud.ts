/** Implements the domain's Cloud port with the typed OpenStack client. */
import type { BlockStorageQuota, ProjectRef, ServerRef, SnapshotRecord, VolumeRef, BackupRecord } from '../domain/inventory.ts'
import type {
  BackupsByStatusQuery,
  Cloud,
  CloudIdentity,
  CreateBackupRequest,
  CreateSnapshotRequest,
  FindBackupsQuery,
  ListScope,
  RecentBackupsQuery,
  SnapshotsByMetadataQuery,
} from '../domain/ports.ts'
import * as backups from '../openstack/blockstorage/v3/backups/index.ts'
import * as quotaSets from '../openstack/blockstorage/v3/quota-sets/index.ts'
import * as snapshots from '../openstack/blockstorage/v3/snapshots/index.ts'
import * as volumes from '../openstack/blockstorage/v3/volumes/index.ts'
import * as servers from '../openstack/compute/v2/servers/index.ts'
import type { Connection } from '../openstack/connection.ts'
import { isHttpStatus, isTransient, retryAfterMs } from '../openstack/core/errors.ts'
import * as projects from '../openstack/identity/v3/projects/index.ts'
import * as users from '../openstack/identity/v3/users/index.ts'
import { listRecentBackupsIn } from './recent-backups.ts'
import { toBackupRecord, toCreatedSnapshotRecord, toServerRef, toSnapshotRecord, toVolumeRef } from './map.ts'

const ADMIN_ROLES = new Set(['admin'])
/** Projects prepared at once (prepareProjects): fewer than the connections the transport keeps beyond a run's requests in flight. */
const PREPARE_AT_ONCE = 8

/** Opens a connection scoped to another project (same credentials, other scope). */
export type ScopedConnector = (projectId: string) => Promise<Connection>

/**
 * How the CLI (and every harness that must behave as it does) gets a volume's project: one token
 * request per project through `conn.scoped`, re-using the catalog's services and the negotiated
 * microversions. Undefined for an application credential (bound to its own project).
 */
export function projectScopedConnector(conn: Connection): ScopedConnector | undefined {
  if (conn.config.authType === 'v3applicationcredential') return undefined
  return (projectId) => conn.scoped(conn.config.withProjectScope(projectId))
}

export class OpenStackCloud implements Cloud {
  readonly #conn: Connection
  readonly #connectScoped: ScopedConnector | undefined
  readonly #scoped = new Map<string, Promise<Connection>>()

  readonly #onScopeFallback: ((projectId: string, err: unknown) => void) | undefined

  /**
   * `onScopeFallback` is told when a token for the volume's project cannot be had (the user has
   * no role there); the resource is then created with the main token, in the main project.
   */
  constructor(conn: Connection, connectScoped?: ScopedConnector, onScopeFallback?: (projectId: string, err: unknown) => void) {
    this.#conn = conn
    this.#connectScoped = connectScoped
    this.#onScopeFallback = onScopeFallback
  }

  /**
   * The Cinder client to create a resource in `projectId`: Cinder gives a new snapshot or backup
   * the project of the token, so a volume of another project (admin, --all-projects) is
   * snapshotted with a token scoped to that project, as Staffeln does.
   */
  async #blockStorageFor(projectId: string, signal?: AbortSignal): Promise<Connection['blockStorage']> {
    if (!projectId || projectId === (await this.#ownProject(signal)) || !this.#connectScoped) return this.#conn.blockStorage
    let conn = this.#scoped.get(projectId)
    if (!conn) {
      const own = this.#conn
      const onFallback = this.#onScopeFallback
      conn = this.#connectScoped(projectId).catch((err: unknown) => {
        if (!isHttpStatus(err, 401) && !isHttpStatus(err, 403)) {
          this.#scoped.delete(projectId)
          throw err
        }
        onFallback?.(projectId, err)
        return own
      })
      this.#scoped.set(projectId, conn)
    }
    return (await conn).blockStorage
  }

  prepareProjects(projectIds: readonly string[], signal?: AbortSignal): void {
    // The same cached connection a create in the project takes; a failure is its create's to report.
    // A few at a time, in the order given: the transport keeps 8 connections beyond the requests in
    // flight a run allows, so preparing never makes a create wait for a connection.
    const queue = [...new Set(projectIds)]
    const next = async (): Promise<void> => {
      for (let p = queue.shift(); p !== undefined && !signal?.aborted; p = queue.shift()) await this.#blockStorageFor(p, signal).catch(() => undefined)
    }
    for (let i = 0; i < PREPARE_AT_ONCE; i++) void next()
  }

  /** Closes the per-project connections (the main one is closed by its owner). */
  async closeScoped(): Promise<void> {
    const all = [...this.#scoped.values()]
    this.#scoped.clear()
    await Promise.allSettled(
      all.map(async (c) => {
        const conn = await c
        if (conn !== this.#conn) await conn.close()
      }),
    )
  }

  get connection(): Connection {
    return this.#conn
  }

  async identity(signal?: AbortSignal): Promise<CloudIdentity> {
    const token = await this.#conn.provider.authenticate(signal)
    const roles = token.roles.map((r) => r.name)
    return {
      userId: token.user.id,
      projectId: token.project?.id ?? '',
      projectName: token.project?.name ?? '',
      roles,
      isAdmin: roles.some((r) => ADMIN_ROLES.has(r)),
    }
  }

  async listProjects(signal?: AbortSignal): Promise<ProjectRef[]> {
    const out: ProjectRef[] = []
    for await (const p of projects.list(this.#conn.identity, {}, signal)) {
      out.push({ id: p.id, name: p.name, ...(p.domainId ? { domainId: p.domainId } : {}) })
    }
    return out
  }

  async *listVolumes(scope: ListScope, signal?: AbortSignal): AsyncIterable<VolumeRef> {
    const own = await this.#ownProject(signal)
    for await (const v of volumes.list(this.#conn.blockStorage, listOpts(scope), signal)) yield toVolumeRef(v, own)
  }

  async getVolume(volumeId: string, signal?: AbortSignal): Promise<VolumeRef> {
    return toVolumeRef(await volumes.get(this.#conn.blockStorage, volumeId, signal), await this.#ownProject(signal))
  }

  async setVolumeMetadata(volumeId: string, metadata: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<void> {
    await volumes.setMetadata(this.#conn.blockStorage, volumeId, metadata, signal)
  }

  async deleteVolumeMetadataKey(volumeId: string, key: string, signal?: AbortSignal): Promise<void> {
    try {
      await volumes.deleteMetadataKey(this.#conn.blockStorage, volumeId, key, signal)
    } catch (err) {
      if (!isHttpStatus(err, 404)) throw err
    }
  }

  async *listServers(scope: ListScope, signal?: AbortSignal): AsyncIterable<ServerRef> {
    const own = await this.#ownProject(signal)
    for await (const s of servers.list(this.#conn.compute, listOpts(scope), signal)) yield toServerRef(s, own)
  }

  async *listSnapshots(scope: ListScope, signal?: AbortSignal): AsyncIterable<SnapshotRecord> {
    const own = await this.#ownProject(signal)
    for await (const s of snapshots.list(this.#conn.blockStorage, listOpts(scope), signal)) yield toSnapshotRecord(s, own)
  }

  async findSnapshots(volumeId: string, metadata: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<SnapshotRecord[]> {
    const own = await this.#ownProject(signal)
    const out: SnapshotRecord[] = []
    // all_tenants so an admin acting on another project's volume sees that volume's snapshots.
    const identity = await this.identity(signal)
    for await (const s of snapshots.list(this.#conn.blockStorage, { volumeId, metadata, ...(identity.isAdmin ? { allTenants: true } : {}) }, signal)) {
      // Filter again: a Cinder that ignores the metadata filter must not make us adopt a stranger.
      if (Object.entries(metadata).every(([k, v]) => s.metadata[k] === v)) out.push(toSnapshotRecord(s, own))
    }
    return out
  }

  /**
   * A page at a time: a snapshot is parsed only when its volume is wanted, and made a record only
   * when its metadata matches too, so a round that lists a whole window (thousands of snapshots,
   * most of them settled already) spends and keeps only what its volumes in flight need.
   */
  async listSnapshotsByMetadata(query: SnapshotsByMetadataQuery, signal?: AbortSignal): Promise<SnapshotRecord[]> {
    const out: SnapshotRecord[] = []
    const pairs = Object.entries(query.metadata)
    const volumes = query.volumeIds
    for (const { client, holder, opts } of await this.#listingsFor(query.projectIds, signal)) {
      // Snapshots of other volumes are left out as each page is read, unparsed.
      for await (const page of snapshots.listPages(client, { ...opts, metadata: query.metadata }, signal, volumes)) {
        for (const s of page) {
          // Filter again: a Cinder that ignores the metadata filter (before 3.22) must not make us adopt a stranger.
          if (pairs.every(([k, v]) => s.metadata[k] === v)) out.push(toSnapshotRecord(s, holder))
        }
        // The page's snapshots are let go before the next page is read (the loop still holds the page).
        page.length = 0
      }
    }
    return out
  }

  async createSnapshot(req: CreateSnapshotRequest, signal?: AbortSignal): Promise<SnapshotRecord> {
    const s = await snapshots.create(
      await this.#blockStorageFor(req.projectId, signal),
      { volumeId: req.volumeId, name: req.name, description: req.description, metadata: req.metadata, force: req.force },
      signal,
    )
    return toCreatedSnapshotRecord(s, req)
  }

  async getSnapshot(snapshotId: string, signal?: AbortSignal): Promise<SnapshotRecord | undefined> {
    try {
      return toSnapshotRecord(await snapshots.get(this.#conn.blockStorage, snapshotId, signal), await this.#ownProject(signal))
    } catch (err) {
      if (isHttpStatus(err, 404)) return undefined
      throw err
    }
  }

  async deleteSnapshot(snapshotId: string, signal?: AbortSignal): Promise<void> {
    await ignoreMissing(snapshots.remove(this.#conn.blockStorage, snapshotId, signal))
  }

  async forceDeleteSnapshot(snapshotId: string, signal?: AbortSignal): Promise<void> {
    await ignoreMissing(snapshots.forceDelete(this.#conn.blockStorage, snapshotId, signal))
  }

  async *listBackups(scope: ListScope, signal?: AbortSignal): AsyncIterable<BackupRecord> {
    const own = await this.#ownProject(signal)
    for await (const b of backups.list(this.#conn.blockStorage, listOpts(scope), signal)) yield toBackupRecord(b, own)
  }

  /**
   * Lists with the same connection a create for `projectId` uses (the scoped one, or the main one
   * after a fallback), so the look-up sees the project the backup was put in, and no other: an
   * admin's own listing (without all_tenants) would miss a backup made in the volume's project.
   */
  async findBackups(query: FindBackupsQuery, signal?: AbortSignal): Promise<BackupRecord[]> {
    const client = await this.#blockStorageFor(query.projectId, signal)
    const holder = client === this.#conn.blockStorage ? await this.#ownProject(signal) : query.projectId
    const out: BackupRecord[] = []
    for await (const b of backups.list(client, { volumeId: query.volumeId, name: query.name }, signal)) {
      // Filter again: a Cinder that ignores a filter must not make us adopt a stranger.
      if (b.volumeId === query.volumeId && b.name === query.name) out.push(toBackupRecord(b, holder))
    }
    return out
  }

  async createBackup(req: CreateBackupRequest, signal?: AbortSignal): Promise<{ id: string; name: string }> {
    const client = await this.#blockStorageFor(req.projectId, signal)
    const created = await backups.create(
      client,
      {
        volumeId: req.volumeId,
        name: req.name,
        description: req.description,
        incremental: req.incremental,
        force: req.force,
        snapshotId: req.snapshotId,
        metadata: atLeast(client.microversion, '3.43') ? req.metadata : undefined,
      },
      signal,
    )
    return { id: created.id, name: created.name }
  }

  async getBackup(backupId: string, signal?: AbortSignal): Promise<BackupRecord | undefined> {
    try {
      return toBackupRecord(await backups.get(this.#conn.blockStorage, backupId, signal), await this.#ownProject(signal))
    } catch (err) {
      if (isHttpStatus(err, 404)) return undefined
      throw err
    }
  }

  /** One poll round over backups in flight: see listRecentBackupsIn (a long round reads its pages in parallel segments). */
  async listRecentBackups(query: RecentBackupsQuery, signal?: AbortSignal, onPage?: (records: readonly BackupRecord[]) => void): Promise<BackupRecord[]> {
    return listRecentBackupsIn(await this.#listingsFor(query.projectIds, signal), query, signal, onPage)
  }

  async listBackupsByStatus(query: BackupsByStatusQuery, signal?: AbortSignal): Promise<BackupRecord[]> {
    const out: BackupRecord[] = []
    for (const { client, holder, opts } of await this.#listingsFor(query.projectIds, signal)) {
      for await (const b of backups.list(client, { ...opts, status: query.status }, signal)) {
        // Filter again: a Cinder that ignores the filter must not end a wait early.
        if (b.status === query.status) out.push(toBackupRecord(b, holder))
      }
    }
    return out
  }

  /**
   * Where backups (or snapshots) of these projects are listed: once with all_tenants for an admin;
   * otherwise once per project, through the connection a create for that project uses.
   */
  async #listingsFor(projectIds: readonly string[], signal?: AbortSignal): Promise<{ client: Connection['blockStorage']; holder: string; opts: { allTenants?: boolean } }[]> {
    const own = await this.#ownProject(signal)
    const others = [...new Set(projectIds)].filter((p) => p !== '' && p !== own)
    if (others.length === 0) return [{ client: this.#conn.blockStorage, holder: own, opts: {} }]
    if ((await this.identity(signal)).isAdmin) return [{ client: this.#conn.blockStorage, holder: own, opts: { allTenants: true } }]
    const out: { client: Connection['blockStorage']; holder: string; opts: { allTenants?: boolean } }[] = []
    const seen = new Set<Connection['blockStorage']>()
    for (const p of [...new Set(projectIds)]) {
      const client = await this.#blockStorageFor(p, signal)
      if (seen.has(client)) continue
      seen.add(client)
      out.push({ client, holder: client === this.#conn.blockStorage ? own : p, opts: {} })
    }
    return out
  }

  async deleteBackup(backupId: string, signal?: AbortSignal): Promise<void> {
    await ignoreMissing(backups.remove(this.#conn.blockStorage, backupId, signal))
  }

  async forceDeleteBackup(backupId: string, signal?: AbortSignal): Promise<void> {
    await ignoreMissing(backups.forceDelete(this.#conn.blockStorage, backupId, signal))
  }

  async getQuota(projectId: string, signal?: AbortSignal): Promise<BlockStorageQuota> {
    const q = await quotaSets.get(this.#conn.blockStorage, projectId, { usage: true }, signal)
    const item = (name: string) => {
      const i = q.usage[name]
      return { limit: i?.limit ?? -1, inUse: i?.inUse ?? 0, reserved: i?.reserved ?? 0 }
    }
    return {
      projectId,
      snapshots: item('snapshots'),
      backups: item('backups'),
      backupGigabytes: item('backup_gigabytes'),
      gigabytes: item('gigabytes'),
      volumes: item('volumes'),
    }
  }

  /**
   * The e-mail addresses of a project's enabled members (effective role assignments, then each
   * user), for its backup report; users without an e-mail are left out. Needs an admin credential.
   */
  async projectMemberEmails(projectId: string, signal?: AbortSignal): Promise<string[]> {
    const out = new Set<string>()
    for (const m of await users.listInProject(this.#conn.identity, projectId, signal)) {
      const u = await users.get(this.#conn.identity, m.id, signal)
      if (u.enabled && u.email !== undefined && u.email.trim() !== '') out.add(u.email.trim())
    }
    return [...out].sort()
  }

  isTransient(err: unknown): boolean {
    return isTransient(err)
  }

  retryAfterMs(err: unknown): number | undefined {
    return retryAfterMs(err)
  }

  async #ownProject(signal?: AbortSignal): Promise<string> {
    return (await this.#conn.provider.authenticate(signal)).project?.id ?? ''
  }
}

function listOpts(scope: ListScope): { allTenants?: boolean; projectId?: string } {
  return scope.allProjects ? { allTenants: true } : {}
}

async function ignoreMissing(p: Promise<void>): Promise<void> {
  try {
    await p
  } catch (err) {
    if (!isHttpStatus(err, 404)) throw err
  }
}

/** Backup metadata needs Cinder microversion 3.43 or later. */
function atLeast(have: string | undefined, want: string): boolean {
  if (have === undefined) return false
  const [hM = 0, hm = 0] = have.split('.').map(Number)
  const [wM = 0, wm = 0] = want.split('.').map(Number)
  return hM > wM || (hM === wM && hm >= wm)
}
