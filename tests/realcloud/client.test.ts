// The typed OpenStack client against the real devcloud (Keystone + Cinder + Nova, OpenStack Zed).
// Fails, never skips, when the cloud is absent. Everything created is named swtest-a-* and
// deleted in `finally`.
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import * as backups from '../../src/openstack/blockstorage/v3/backups/index.ts'
import * as quotaSets from '../../src/openstack/blockstorage/v3/quota-sets/index.ts'
import * as snapshots from '../../src/openstack/blockstorage/v3/snapshots/index.ts'
import * as volumes from '../../src/openstack/blockstorage/v3/volumes/index.ts'
import * as servers from '../../src/openstack/compute/v2/servers/index.ts'
import { loadCloudConfig } from '../../src/openstack/config/index.ts'
import { connect, type Connection } from '../../src/openstack/connection.ts'
import { ForbiddenError, isHttpStatus } from '../../src/openstack/core/errors.ts'
import type { RequestEvent } from '../../src/openstack/core/request.ts'

const CLOUDS_YAML = '/var/lib/devcloud/clouds.yaml'
const env = { ...process.env, OS_CLIENT_CONFIG_FILE: CLOUDS_YAML }
const PREFIX = `swtest-a-${process.pid}`
const WAIT_MS = 300_000

const conns: Connection[] = []
const events: RequestEvent[] = []
let admin: Connection

async function open(cloud: string): Promise<Connection> {
  const conn = await connect(loadCloudConfig({ cloud, env }), { onRequest: (e) => events.push(e) })
  conns.push(conn)
  return conn
}

/** Polls `get` until `done`, failing on an error status or after WAIT_MS; bounded by the deadline. */
async function waitFor<T extends { status: string }>(what: string, get: () => Promise<T>, done: (t: T) => boolean): Promise<T> {
  const deadline = Date.now() + WAIT_MS
  for (;;) {
    const t = await get()
    if (done(t)) return t
    if (t.status.startsWith('error')) assert.fail(`${what} went to status ${t.status}`)
    if (Date.now() > deadline) assert.fail(`${what} still ${t.status} after ${WAIT_MS} ms`)
    await sleep(1000)
  }
}

/** Resolves when `get` answers 404. */
async function waitGone(what: string, get: () => Promise<unknown>): Promise<void> {
  const deadline = Date.now() + WAIT_MS
  for (;;) {
    try {
      await get()
    } catch (err) {
      if (isHttpStatus(err, 404)) return
      throw err
    }
    if (Date.now() > deadline) assert.fail(`${what} not gone after ${WAIT_MS} ms`)
    await sleep(1000)
  }
}

async function cleanup(what: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn()
  } catch (err) {
    if (!isHttpStatus(err, 404)) console.error(`cleanup of ${what} failed: ${(err as Error).message}`)
  }
}

async function newVolume(conn: Connection, suffix: string): Promise<volumes.Volume> {
  const v = await volumes.create(conn.blockStorage, { size: 1, name: `${PREFIX}-${suffix}`, metadata: { swtest: 'a' } })
  return waitFor(`volume ${v.id}`, () => volumes.get(conn.blockStorage, v.id), (x) => x.status === 'available')
}

async function removeVolume(conn: Connection, id: string): Promise<void> {
  await cleanup(`volume ${id}`, async () => {
    await volumes.remove(conn.blockStorage, id)
    await waitGone(`volume ${id}`, () => volumes.get(conn.blockStorage, id))
  })
}

before(async () => {
  assert.ok(existsSync(CLOUDS_YAML), `devcloud is not up: ${CLOUDS_YAML} is missing (run /work/shared/devcloud/up.sh)`)
  admin = await open('devcloud-admin')
})
after(async () => {
  await Promise.all(conns.map((c) => c.close()))
})

describe('real cloud: typed client', () => {
  test('all three clouds authenticate and find Cinder and Nova with negotiated microversions', async () => {
    for (const name of ['devcloud-admin', 'devcloud-member', 'devcloud-appcred']) {
      const conn = name === 'devcloud-admin' ? admin : await open(name)
      const token = await conn.provider.authenticate()
      assert.ok(token.project?.id, `${name}: project-scoped token`)
      assert.ok(token.expiresAt.getTime() > Date.now())
      assert.match(conn.blockStorage.endpoint, new RegExp(`/v3/${token.project?.id}/$`))
      assert.equal(conn.blockStorage.microversion, '3.70')
      assert.equal(await conn.compute.ready(), '2.93')
      assert.ok(conn.identity.endpoint.endsWith('/v3/'))
    }
    const member = conns.find((c) => c.config.name === 'devcloud-member')
    assert.deepEqual((await member!.provider.authenticate()).roles.map((r) => r.name).sort().includes('admin'), false)
  })

  test('volume metadata, a snapshot with metadata, the volumeId filter and deletes work on Cinder', async () => {
    const cinder = admin.blockStorage
    const vol = await newVolume(admin, 'snap')
    let snapId: string | undefined
    try {
      assert.deepEqual(await volumes.setMetadata(cinder, vol.id, { k1: 'v1', k2: 'v2' }), { swtest: 'a', k1: 'v1', k2: 'v2' })
      await volumes.deleteMetadataKey(cinder, vol.id, 'k1')
      assert.deepEqual(await volumes.getMetadata(cinder, vol.id), { swtest: 'a', k2: 'v2' })
      const filtered = []
      for await (const v of volumes.list(cinder, { metadata: { k2: 'v2', swtest: 'a' }, name: vol.name })) filtered.push(v.id)
      assert.deepEqual(filtered, [vol.id])

      const snap = await snapshots.create(cinder, { volumeId: vol.id, name: `${PREFIX}-snap`, metadata: { policy: 'daily' }, force: true })
      snapId = snap.id
      assert.equal(snap.status, 'creating')
      const ready = await waitFor(`snapshot ${snap.id}`, () => snapshots.get(cinder, snap.id), (s) => s.status === 'available')
      assert.deepEqual(ready.metadata, { policy: 'daily' })
      assert.ok(Math.abs(ready.createdAt.getTime() - Date.now()) < 10 * 60_000, 'created_at read as UTC')
      const listed = []
      for await (const s of snapshots.list(cinder, { volumeId: vol.id, allTenants: true })) listed.push(s.id)
      assert.deepEqual(listed, [snap.id])
      await snapshots.remove(cinder, snap.id)
      await waitGone(`snapshot ${snap.id}`, () => snapshots.get(cinder, snap.id))
      snapId = undefined
    } finally {
      if (snapId) await cleanup(`snapshot ${snapId}`, () => snapshots.forceDelete(cinder, snapId!))
      await removeVolume(admin, vol.id)
    }
  })

  test('a full then an incremental backup with metadata, deleted incremental first', async () => {
    const cinder = admin.blockStorage
    const vol = await newVolume(admin, 'backup')
    const made: string[] = []
    try {
      const full = await backups.create(cinder, { volumeId: vol.id, name: `${PREFIX}-full`, metadata: { kind: 'full' } })
      made.push(full.id)
      await waitFor(`backup ${full.id}`, () => backups.get(cinder, full.id), (b) => b.status === 'available')
      await waitFor(`volume ${vol.id}`, () => volumes.get(cinder, vol.id), (v) => v.status === 'available')
      const incr = await backups.create(cinder, { volumeId: vol.id, name: `${PREFIX}-incr`, incremental: true })
      made.push(incr.id)
      const i = await waitFor(`backup ${incr.id}`, () => backups.get(cinder, incr.id), (b) => b.status === 'available')
      assert.equal(i.isIncremental, true)
      const f = await backups.get(cinder, full.id)
      assert.equal(f.isIncremental, false)
      assert.equal(f.hasDependentBackups, true)
      assert.deepEqual(f.metadata, { kind: 'full' })
      const listed = []
      for await (const b of backups.list(cinder, { volumeId: vol.id })) listed.push(b.id)
      assert.deepEqual(listed.sort(), [full.id, incr.id].sort())
      await assert.rejects(backups.remove(cinder, full.id), (e: unknown) => isHttpStatus(e, 400), 'a full backup with dependents is refused')
    } finally {
      for (const id of made.reverse()) {
        await cleanup(`backup ${id}`, async () => {
          await backups.remove(cinder, id)
          await waitGone(`backup ${id}`, () => backups.get(cinder, id))
        })
      }
      await waitFor(`volume ${vol.id}`, () => volumes.get(cinder, vol.id), (v) => v.status === 'available').catch(() => undefined)
      await removeVolume(admin, vol.id)
    }
  })

  test('quota with usage gives limits and counts for snapshots and backups', async () => {
    const project = (await admin.provider.authenticate()).project!.id
    const q = await quotaSets.get(admin.blockStorage, project, { usage: true })
    for (const r of ['volumes', 'snapshots', 'backups', 'gigabytes', 'backup_gigabytes']) {
      const u = q.usage[r]
      assert.ok(u, `usage of ${r}`)
      assert.ok(u.limit === -1 || u.limit >= u.inUse)
    }
  })

  test('a member gets only its own volumes with allTenants and a 403 for all servers', async () => {
    const member = conns.find((c) => c.config.name === 'devcloud-member') ?? (await open('devcloud-member'))
    const own = (await member.provider.authenticate()).project!.id
    for await (const v of volumes.list(member.blockStorage, { allTenants: true })) {
      assert.ok(v.projectId === undefined || v.projectId === own, `member saw volume ${v.id} of ${v.projectId}`)
    }
    const err = await (async () => {
      for await (const _ of servers.list(member.compute, { allTenants: true })) void _
    })().catch((e: unknown) => e)
    assert.ok(err instanceof ForbiddenError, String(err))
    assert.equal(err.code, 'OS_FORBIDDEN')
    assert.match(err.apiMessage ?? '', /get_all_tenants/)
  })

  test('servers list of all projects parses attached volume ids, and the call hook counts requests', async () => {
    const before = events.length
    const all = []
    for await (const s of servers.list(admin.compute, { allTenants: true })) all.push(s)
    for (const s of all) {
      assert.ok(s.projectId)
      assert.ok(Array.isArray(s.volumeIds))
    }
    assert.ok(events.length > before)
    assert.ok(events.slice(before).every((e) => e.url.includes('/servers/detail') && e.status === 200))
  })
})
