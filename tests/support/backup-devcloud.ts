/**
 * Resources on the devcloud (../shared/devcloud) for backup conductor tests: a 1 GiB volume attached
 * to a server (`networks: 'none'`) tagged with a backup metadata key, made and removed with our own
 * client. Real services take seconds: every wait is a polling loop bounded by WAIT_MS.
 */
import { readFileSync } from 'node:fs'
import { setTimeout as delay } from 'node:timers/promises'
import * as backups from '../../src/openstack/blockstorage/v3/backups/index.ts'
import * as quotaSets from '../../src/openstack/blockstorage/v3/quota-sets/index.ts'
import * as volumes from '../../src/openstack/blockstorage/v3/volumes/index.ts'
import * as flavors from '../../src/openstack/compute/v2/flavors/index.ts'
import * as servers from '../../src/openstack/compute/v2/servers/index.ts'
import * as volumeAttachments from '../../src/openstack/compute/v2/volume-attachments/index.ts'
import { loadCloudConfig } from '../../src/openstack/config/index.ts'
import { connect, type Connection } from '../../src/openstack/connection.ts'
import { isHttpStatus } from '../../src/openstack/core/errors.ts'

export const CLOUDS_YAML = '/var/lib/devcloud/clouds.yaml'
export const IDENTITY_JSON = '/var/lib/devcloud/identity.json'
export const WAIT_MS = 180_000
const POLL_MS = 1_000

export async function connectDevcloud(cloud = 'devcloud-admin'): Promise<Connection> {
  return connect(loadCloudConfig({ cloud, env: { OS_CLIENT_CONFIG_FILE: CLOUDS_YAML } }))
}

/** Polls `get` until `done` (bounded by WAIT_MS); an `error…` status fails at once. */
export async function waitFor<T extends { status: string }>(what: string, get: () => Promise<T>, done: (t: T) => boolean): Promise<T> {
  const deadline = Date.now() + WAIT_MS
  for (;;) {
    const t = await get()
    if (done(t)) return t
    if (t.status.toLowerCase().startsWith('error')) throw new Error(`${what} went to status ${t.status}`)
    if (Date.now() > deadline) throw new Error(`${what} still ${t.status} after ${WAIT_MS} ms`)
    await delay(POLL_MS)
  }
}

/** Resolves once `get` answers 404 (bounded by WAIT_MS). */
export async function waitGone(what: string, get: () => Promise<unknown>): Promise<void> {
  const deadline = Date.now() + WAIT_MS
  for (;;) {
    try {
      await get()
    } catch (err) {
      if (isHttpStatus(err, 404)) return
      throw err
    }
    if (Date.now() > deadline) throw new Error(`${what} not gone after ${WAIT_MS} ms`)
    await delay(POLL_MS)
  }
}

/** Makes room for `needed` more backups in the project (raises the quota only when short). */
export async function ensureBackupRoom(conn: Connection, projectId: string, needed: number): Promise<void> {
  const q = await quotaSets.get(conn.blockStorage, projectId, { usage: true })
  const b = q.usage['backups']
  if (!b || b.limit < 0 || b.limit - b.inUse - b.reserved >= needed) return
  await conn.blockStorage.put(
    conn.blockStorage.url('os-quota-sets', projectId),
    { quota_set: { backups: Math.max(50, b.inUse + b.reserved + needed), backup_gigabytes: 1000 } },
    { okCodes: [200] },
  )
}

export interface ProtectedServer {
  readonly serverId: string
  readonly volumeId: string
}

/**
 * A 1 GiB volume `<prefix>-vol` attached to a server `<prefix>-server` with this metadata.
 * `flavorName`: devcloud.tiny (zero disk: admin only) by default; a member needs devcloud.small.
 */
export async function createProtectedServer(
  conn: Connection,
  prefix: string,
  metadata: Record<string, string>,
  made: Partial<{ -readonly [K in keyof ProtectedServer]: ProtectedServer[K] }>,
  flavorName = 'devcloud.tiny',
): Promise<ProtectedServer> {
  const identity = JSON.parse(readFileSync(IDENTITY_JSON, 'utf8')) as { image_id?: string }
  let flavorRef: string | undefined
  for await (const f of flavors.list(conn.compute)) if (f.name === flavorName) flavorRef = f.id
  if (!flavorRef) throw new Error(`devcloud flavor ${flavorName} not found`)
  const vol = await volumes.create(conn.blockStorage, { size: 1, name: `${prefix}-vol` })
  made.volumeId = vol.id
  const server = await servers.create(conn.compute, { name: `${prefix}-server`, flavorRef, imageRef: identity.image_id, networks: 'none', metadata })
  made.serverId = server.id
  await waitFor(`volume ${vol.id}`, () => volumes.get(conn.blockStorage, vol.id), (v) => v.status === 'available')
  await waitFor(`server ${server.id}`, () => servers.get(conn.compute, server.id), (s) => s.status === 'ACTIVE')
  await volumeAttachments.create(conn.compute, server.id, { volumeId: vol.id })
  await waitFor(`volume ${vol.id} attach`, () => volumes.get(conn.blockStorage, vol.id), (v) => v.status === 'in-use')
  return { serverId: server.id, volumeId: vol.id }
}

/** The volume's backups, oldest first. */
export async function backupsOf(conn: Connection, volumeId: string): Promise<backups.Backup[]> {
  const out: backups.Backup[] = []
  for await (const b of backups.list(conn.blockStorage, { volumeId })) if (b.volumeId === volumeId) out.push(b)
  return out.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
}

/**
 * Deletes the volume's backups newest first (children before parents, each waited for), detaches,
 * deletes the server and the volume. Errors are collected, not thrown, so every step is tried.
 */
export async function removeProtectedServer(conn: Connection, made: Partial<ProtectedServer>): Promise<string[]> {
  const problems: string[] = []
  const attempt = async (what: string, fn: () => Promise<void>) => {
    try {
      await fn()
    } catch (err) {
      if (!isHttpStatus(err, 404)) problems.push(`${what}: ${(err as Error).message}`)
    }
  }
  const { serverId, volumeId } = made
  if (volumeId) {
    for (const b of (await backupsOf(conn, volumeId).catch(() => [])).reverse()) {
      await attempt(`backup ${b.id}`, async () => {
        const cur = await waitFor(`backup ${b.id}`, () => backups.get(conn.blockStorage, b.id), (x) => x.status !== 'creating' && x.status !== 'restoring')
        if (cur.status !== 'deleting') await backups.remove(conn.blockStorage, b.id)
        await waitGone(`backup ${b.id}`, () => backups.get(conn.blockStorage, b.id))
      })
    }
  }
  if (serverId && volumeId) {
    await attempt(`detach ${volumeId}`, async () => {
      const v = await volumes.get(conn.blockStorage, volumeId)
      if (v.status !== 'in-use') return
      await volumeAttachments.remove(conn.compute, serverId, volumeId)
      await waitFor(`volume ${volumeId} detach`, () => volumes.get(conn.blockStorage, volumeId), (x) => x.status === 'available')
    })
  }
  if (serverId) {
    await attempt(`server ${serverId}`, async () => {
      await servers.remove(conn.compute, serverId)
      await waitGone(`server ${serverId}`, () => servers.get(conn.compute, serverId))
    })
  }
  if (volumeId) {
    await attempt(`volume ${volumeId}`, async () => {
      await waitFor(`volume ${volumeId}`, () => volumes.get(conn.blockStorage, volumeId), (x) => !['creating', 'detaching', 'backing-up', 'attaching'].includes(x.status))
      await volumes.remove(conn.blockStorage, volumeId)
      await waitGone(`volume ${volumeId}`, () => volumes.get(conn.blockStorage, volumeId))
    })
  }
  return problems
}
