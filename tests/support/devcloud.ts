/**
 * The real devcloud (../shared/devcloud): connections for `devcloud-admin` / `devcloud-member`, a
 * readiness check that fails (never skips) when the cloud is absent, and bounded polling helpers.
 */
import { existsSync } from 'node:fs'
import { setTimeout as delay } from 'node:timers/promises'
import * as snapshots from '../../src/openstack/blockstorage/v3/snapshots/index.ts'
import * as volumes from '../../src/openstack/blockstorage/v3/volumes/index.ts'
import { loadCloudConfig } from '../../src/openstack/config/index.ts'
import { connect, type Connection } from '../../src/openstack/connection.ts'
import { isHttpStatus } from '../../src/openstack/core/errors.ts'

export const DEVCLOUD_CLOUDS_YAML = process.env.OS_CLIENT_CONFIG_FILE ?? '/var/lib/devcloud/clouds.yaml'
export type DevcloudName = 'devcloud-admin' | 'devcloud-member' | 'devcloud-appcred'

/** Real Cinder takes seconds; every wait is bounded by this. */
export const DEVCLOUD_WAIT_MS = 120_000

/** Environment for the CLI (or our loader) to use this devcloud cloud. */
export function devcloudEnv(cloud: DevcloudName): Record<string, string> {
  return { OS_CLIENT_CONFIG_FILE: DEVCLOUD_CLOUDS_YAML, OS_CLOUD: cloud }
}

/** Throws a clear error when the devcloud is not up (clouds.yaml missing or Cinder not answering). */
export async function assertDevcloudUp(): Promise<void> {
  if (!existsSync(DEVCLOUD_CLOUDS_YAML)) throw new Error(`devcloud not found: ${DEVCLOUD_CLOUDS_YAML} does not exist (run ../shared/devcloud/up.sh)`)
  try {
    const res = await fetch('http://127.0.0.1:8776/', { signal: AbortSignal.timeout(10_000) })
    if (res.status >= 500) throw new Error(`HTTP ${res.status}`)
  } catch (err) {
    throw new Error(`devcloud Cinder on 127.0.0.1:8776 does not answer: ${(err as Error).message}`)
  }
}

export async function openDevcloud(cloud: DevcloudName): Promise<Connection> {
  return connect(loadCloudConfig({ cloud, env: { OS_CLIENT_CONFIG_FILE: DEVCLOUD_CLOUDS_YAML } }))
}

/** Polls `get` every second until `done` holds; throws after `timeoutMs`. */
export async function pollUntil<T>(what: string, get: () => Promise<T>, done: (t: T) => boolean, timeoutMs = DEVCLOUD_WAIT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const t = await get()
    if (done(t)) return t
    if (Date.now() > deadline) throw new Error(`${what}: not reached after ${timeoutMs} ms (last: ${JSON.stringify(t)})`)
    await delay(1000)
  }
}

/** Resolves when `get` answers 404 (bounded). */
export async function waitGone(what: string, get: () => Promise<unknown>, timeoutMs = DEVCLOUD_WAIT_MS): Promise<void> {
  await pollUntil(
    `${what} gone`,
    async () => {
      try {
        await get()
        return false
      } catch (err) {
        if (isHttpStatus(err, 404)) return true
        throw err
      }
    },
    (gone) => gone,
    timeoutMs,
  )
}

export async function createTestVolume(conn: Connection, name: string, metadata: Record<string, string> = {}): Promise<volumes.Volume> {
  const v = await volumes.create(conn.blockStorage, { size: 1, name, metadata })
  return pollUntil(`volume ${v.id} available`, () => volumes.get(conn.blockStorage, v.id), (x) => {
    if (x.status === 'error') throw new Error(`volume ${v.id} went to error`)
    return x.status === 'available'
  })
}

/** Every snapshot of one volume (admin: all projects). */
export async function snapshotsOf(conn: Connection, volumeId: string): Promise<snapshots.Snapshot[]> {
  const out: snapshots.Snapshot[] = []
  for await (const s of snapshots.list(conn.blockStorage, { volumeId, allTenants: true })) out.push(s)
  return out
}

/**
 * Deletes every snapshot of the volume (waiting for transitional states to settle, force-deleting
 * what cannot be deleted), waits until they are gone, then deletes the volume and waits. Best effort:
 * problems are collected and thrown together at the end.
 */
export async function removeVolumeAndSnapshots(conn: Connection, volumeId: string): Promise<void> {
  const problems: string[] = []
  const attempt = async (what: string, fn: () => Promise<void>) => {
    try {
      await fn()
    } catch (err) {
      if (!isHttpStatus(err, 404)) problems.push(`${what}: ${(err as Error).message}`)
    }
  }
  let list: snapshots.Snapshot[] = []
  await attempt('list snapshots', async () => {
    list = await snapshotsOf(conn, volumeId)
  })
  for (const s of list) {
    await attempt(`snapshot ${s.id}`, async () => {
      const settled = await pollUntil(`snapshot ${s.id} settled`, () => snapshots.get(conn.blockStorage, s.id), (x) => x.status !== 'creating' && x.status !== 'deleting')
      if (settled.status === 'available' || settled.status === 'error') await snapshots.remove(conn.blockStorage, s.id)
      else await snapshots.forceDelete(conn.blockStorage, s.id)
      await waitGone(`snapshot ${s.id}`, () => snapshots.get(conn.blockStorage, s.id))
    })
  }
  await attempt(`volume ${volumeId}`, async () => {
    await volumes.remove(conn.blockStorage, volumeId)
    await waitGone(`volume ${volumeId}`, () => volumes.get(conn.blockStorage, volumeId))
  })
  if (problems.length) throw new Error(`cleanup failed: ${problems.join('; ')}`)
}

/** Raises the project's snapshot quota to `atLeast` when fewer than `needed` snapshots are free (admin connection). */
export async function ensureSnapshotQuota(admin: Connection, projectId: string, needed: number, atLeast = 50): Promise<void> {
  const url = admin.blockStorage.url('os-quota-sets', projectId)
  const res = await admin.blockStorage.get(`${url}?usage=true`, { okCodes: [200] })
  const q = (res.body as { quota_set: { snapshots: { limit: number; in_use: number; reserved: number } } }).quota_set.snapshots
  if (q.limit < 0 || q.limit - q.in_use - q.reserved >= needed) return
  await admin.blockStorage.put(url, { quota_set: { snapshots: Math.max(atLeast, q.in_use + q.reserved + needed) } }, { okCodes: [200] })
}
