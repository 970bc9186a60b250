/**
 * A small fleet on the real devcloud for the on-demand devcloud benchmark: servers each with
 * several attached 1 GiB volumes, tagged for backup; the admin project's quotas raised for the run
 * and restored after; everything removed again (backups newest first, so incremental children go
 * before their parents; then servers, then volumes). Every wait is a bounded poll of our own
 * client (not the daemon's: its counters are the ones measured).
 */
import { readFileSync } from 'node:fs'
import * as backups from '../../src/openstack/blockstorage/v3/backups/index.ts'
import * as quotaSets from '../../src/openstack/blockstorage/v3/quota-sets/index.ts'
import * as volumes from '../../src/openstack/blockstorage/v3/volumes/index.ts'
import * as flavors from '../../src/openstack/compute/v2/flavors/index.ts'
import * as servers from '../../src/openstack/compute/v2/servers/index.ts'
import * as volumeAttachments from '../../src/openstack/compute/v2/volume-attachments/index.ts'
import type { Connection } from '../../src/openstack/connection.ts'
import { isHttpStatus } from '../../src/openstack/core/errors.ts'
import { IDENTITY_JSON, waitFor, waitGone } from '../../tests/support/backup-devcloud.ts'

export interface FleetServer {
  readonly serverId: string
  readonly volumeIds: readonly string[]
}

/** What was made so far (filled in as each create is answered, so a failed set-up is cleaned too). */
export interface FleetMade {
  readonly servers: string[]
  readonly volumes: string[]
}

/**
 * `count` servers `<prefix>-s<i>` (flavor devcloud.tiny, no network) with this metadata, each with
 * `volumesPerServer` 1 GiB volumes `<prefix>-s<i>-v<j>` attached; all made at once.
 */
export async function createFleet(conn: Connection, prefix: string, count: number, volumesPerServer: number, metadata: Record<string, string>, made: FleetMade): Promise<FleetServer[]> {
  const identity = JSON.parse(readFileSync(IDENTITY_JSON, 'utf8')) as { image_id?: string }
  let flavorRef: string | undefined
  for await (const f of flavors.list(conn.compute)) if (f.name === 'devcloud.tiny') flavorRef = f.id
  if (!flavorRef) throw new Error('devcloud flavor devcloud.tiny not found')
  const one = async (i: number): Promise<FleetServer> => {
    const vols: string[] = []
    for (let j = 0; j < volumesPerServer; j++) {
      const v = await volumes.create(conn.blockStorage, { size: 1, name: `${prefix}-s${i}-v${j}` })
      made.volumes.push(v.id)
      vols.push(v.id)
    }
    const s = await servers.create(conn.compute, { name: `${prefix}-s${i}`, flavorRef, imageRef: identity.image_id, networks: 'none', metadata })
    made.servers.push(s.id)
    for (const id of vols) await waitFor(`volume ${id}`, () => volumes.get(conn.blockStorage, id), (v) => v.status === 'available')
    await waitFor(`server ${s.id}`, () => servers.get(conn.compute, s.id), (x) => x.status === 'ACTIVE')
    for (const id of vols) {
      await volumeAttachments.create(conn.compute, s.id, { volumeId: id })
      await waitFor(`volume ${id} attach`, () => volumes.get(conn.blockStorage, id), (v) => v.status === 'in-use')
    }
    return { serverId: s.id, volumeIds: vols }
  }
  return Promise.all(Array.from({ length: count }, (_, i) => one(i)))
}

/** Servers of the credential's project, other than `mine`, that carry `key` (any value). */
export async function othersTaggedWith(conn: Connection, key: string, mine: ReadonlySet<string>): Promise<string[]> {
  const out: string[] = []
  for await (const s of servers.list(conn.compute)) if (!mine.has(s.id) && s.metadata[key] !== undefined) out.push(`${s.name} (${s.id})`)
  return out
}

/** Every backup of the volume (any project), oldest first. */
export async function backupsOfVolume(conn: Connection, volumeId: string): Promise<backups.Backup[]> {
  const out: backups.Backup[] = []
  for await (const b of backups.list(conn.blockStorage, { volumeId, allTenants: true })) if (b.volumeId === volumeId) out.push(b)
  return out.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1))
}

/** Quota limits changed for the run, to put back afterwards. */
export type QuotaChange = Readonly<Record<string, number>>

/**
 * Makes room in the project for `room` more of each resource (`backups: 60, backup_gigabytes: 60`);
 * raises only what is short and returns the limits it replaced.
 */
export async function raiseQuota(conn: Connection, projectId: string, room: Readonly<Record<string, number>>): Promise<QuotaChange> {
  const q = await quotaSets.get(conn.blockStorage, projectId, { usage: true })
  const before: Record<string, number> = {}
  const after: Record<string, number> = {}
  for (const [name, needed] of Object.entries(room)) {
    const u = q.usage[name]
    if (!u || u.limit < 0 || u.limit - u.inUse - u.reserved >= needed) continue
    before[name] = u.limit
    after[name] = u.inUse + u.reserved + needed
  }
  if (Object.keys(after).length > 0) await conn.blockStorage.put(conn.blockStorage.url('os-quota-sets', projectId), { quota_set: after }, { okCodes: [200] })
  return before
}

export async function restoreQuota(conn: Connection, projectId: string, change: QuotaChange): Promise<void> {
  if (Object.keys(change).length === 0) return
  await conn.blockStorage.put(conn.blockStorage.url('os-quota-sets', projectId), { quota_set: change }, { okCodes: [200] })
}

/**
 * Removes the fleet: every backup of its volumes (newest first per volume, each waited for until
 * gone), then the servers, then the volumes. Errors are collected, not thrown, so every step is tried.
 */
export async function removeFleet(conn: Connection, made: FleetMade): Promise<string[]> {
  const problems: string[] = []
  const attempt = async (what: string, fn: () => Promise<void>): Promise<void> => {
    try {
      await fn()
    } catch (err) {
      if (!isHttpStatus(err, 404)) problems.push(`${what}: ${(err as Error).message}`)
    }
  }
  await Promise.all(
    made.volumes.map(async (volumeId) => {
      const list = await backupsOfVolume(conn, volumeId).catch((err: unknown) => {
        problems.push(`backups of volume ${volumeId}: ${(err as Error).message}`)
        return []
      })
      for (const b of list.reverse()) {
        await attempt(`backup ${b.id}`, async () => {
          const cur = await waitFor(`backup ${b.id}`, () => backups.get(conn.blockStorage, b.id), (x) => x.status !== 'creating' && x.status !== 'restoring')
          if (cur.status !== 'deleting') await backups.remove(conn.blockStorage, b.id)
          await waitGone(`backup ${b.id}`, () => backups.get(conn.blockStorage, b.id))
        })
      }
    }),
  )
  await Promise.all(
    made.servers.map((serverId) =>
      attempt(`server ${serverId}`, async () => {
        await servers.remove(conn.compute, serverId)
        await waitGone(`server ${serverId}`, () => servers.get(conn.compute, serverId))
      }),
    ),
  )
  await Promise.all(
    made.volumes.map((volumeId) =>
      attempt(`volume ${volumeId}`, async () => {
        await waitFor(`volume ${volumeId}`, () => volumes.get(conn.blockStorage, volumeId), (x) => !['creating', 'detaching', 'backing-up', 'attaching', 'in-use'].includes(x.status))
        await volumes.remove(conn.blockStorage, volumeId)
        await waitGone(`volume ${volumeId}`, () => volumes.get(conn.blockStorage, volumeId))
      }),
    ),
  )
  return problems
}
