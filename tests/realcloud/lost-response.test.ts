/**
 * Lost answers on the real devcloud (issue 7, "Campaigns in the suite"): a loopback proxy the test
 * starts sits between Snapwarden and Cinder (a second one in front of Keystone hands out a catalog
 * whose Cinder endpoint is the first). It forwards the first `POST …/snapshots` or `POST …/backups`
 * to Cinder, which creates the resource, and then closes the client's connection instead of
 * answering. One cycle must still leave exactly one snapshot (one backup), found by the look-up that
 * follows a lost answer, in the volume's own project: for an admin volume without --all-projects,
 * and for a volume of the demo project with --all-projects.
 *
 * Everything made is named swtest-lost-<run>-* and deleted in `after`; quotas are raised when short.
 * The snapshot cycle only sees our volumes (the devcloud is shared); the backup cycle only servers
 * tagged with a metadata key unique to this run.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { setTimeout as delay } from 'node:timers/promises'
import { runBackupCycle } from '../../src/cycles/backup-cycle.ts'
import { runSnapshotCycle } from '../../src/cycles/snapshot-cycle.ts'
import { OpenStackCloud } from '../../src/cloud/openstack-cloud.ts'
import { validateConfig } from '../../src/config/validate.ts'
import type { Cloud } from '../../src/domain/ports.ts'
import { silentLogger } from '../../src/domain/logger.ts'
import { noopMetrics } from '../../src/domain/metrics.ts'
import type { Store } from '../../src/domain/store-port.ts'
import * as backups from '../../src/openstack/blockstorage/v3/backups/index.ts'
import * as volumes from '../../src/openstack/blockstorage/v3/volumes/index.ts'
import { CloudConfig, loadCloudConfig } from '../../src/openstack/config/index.ts'
import { connect, type Connection } from '../../src/openstack/connection.ts'
import { openStore } from '../../src/store/index.ts'
import {
  createProtectedServer,
  ensureBackupRoom,
  removeProtectedServer,
  waitFor,
  type ProtectedServer,
} from '../support/backup-devcloud.ts'
import { assertDevcloudUp, createTestVolume, DEVCLOUD_CLOUDS_YAML, ensureSnapshotQuota, openDevcloud, removeVolumeAndSnapshots, snapshotsOf } from '../support/devcloud.ts'
import { devcloudIds, grantAdminInDemo, removeBackupsOfVolume } from '../support/devcloud-projects.ts'
import { dropFirst, LostResponseProxy } from '../support/lost-response-proxy.ts'

const RUN = randomUUID().slice(0, 8)
const PREFIX = `swtest-lost-${RUN}`
const BACKUP_KEY = `swtest_lost_${RUN}`
const CINDER = 'http://127.0.0.1:8776'
const KEYSTONE = 'http://127.0.0.1:5000'
const ids = devcloudIds()

const config = (() => {
  const r = validateConfig({ conductor: { backup_metadata_key: BACKUP_KEY, backup_min_interval: 0, backup_cycle_timeout: '10min' } })
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  return r.config
})()

/** The admin credential with Keystone (and so Cinder, through the catalog) behind the proxies. */
function proxiedAdminConfig(keystone: LostResponseProxy): CloudConfig {
  const base = loadCloudConfig({ cloud: 'devcloud-admin', env: { OS_CLIENT_CONFIG_FILE: DEVCLOUD_CLOUDS_YAML } })
  return new CloudConfig({
    name: `${base.name} (proxied)`,
    source: base.source,
    authType: base.authType,
    authUrl: base.authUrl.replace(KEYSTONE, keystone.origin),
    auth: base.auth,
    regionName: base.regionName,
    interface: base.interface,
    verify: base.verify,
    apiTimeoutMs: base.apiTimeoutMs,
  })
}

/** A Cloud that lists only our volumes (every other volume of the shared devcloud is not ours to snapshot). */
function onlyOurVolumes(cloud: OpenStackCloud): Cloud {
  return new Proxy(cloud, {
    get(target, prop, receiver) {
      if (prop === 'listVolumes') {
        return async function* (...args: Parameters<Cloud['listVolumes']>) {
          for await (const v of target.listVolumes(...args)) if (v.name.startsWith(PREFIX)) yield v
        }
      }
      const value: unknown = Reflect.get(target, prop, receiver)
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value
    },
  }) as unknown as Cloud
}

describe('a lost answer to a create on the real devcloud', { concurrency: 1, timeout: 900_000 }, () => {
  let admin: Connection
  let member: Connection
  let keystone: LostResponseProxy
  let cinder: LostResponseProxy
  let store: Store
  let dir = ''
  let revokeRole: (() => Promise<void>) | undefined
  const volumesMade: string[] = []
  const serversMade: { conn: () => Connection; made: Partial<ProtectedServer> }[] = []
  const conns: Connection[] = []

  /** Our client, through the proxies, as the admin; scoped connections for other projects likewise. */
  async function proxiedCloud(): Promise<OpenStackCloud> {
    const cfg = proxiedAdminConfig(keystone)
    const conn = await connect(cfg)
    conns.push(conn)
    return new OpenStackCloud(conn, async (projectId) => {
      const scoped = await connect(cfg.withProjectScope(projectId))
      conns.push(scoped)
      return scoped
    })
  }

  const deps = (cloud: Cloud) => ({
    cloud,
    store,
    clock: { now: () => new Date() },
    sleep: (ms: number, signal?: AbortSignal) => delay(ms, undefined, signal ? { signal } : {}),
    random: Math.random,
    logger: silentLogger,
    metrics: noopMetrics,
    config,
  })

  before(async () => {
    await assertDevcloudUp()
    admin = await openDevcloud('devcloud-admin')
    member = await openDevcloud('devcloud-member')
    // With --all-projects the admin acts in the demo project with a token scoped there: it needs a role.
    revokeRole = await grantAdminInDemo(admin)
    for (const p of [ids.admin_project_id, ids.demo_project_id]) {
      await ensureSnapshotQuota(admin, p, 4)
      await ensureBackupRoom(admin, p, 4)
    }
    keystone = await LostResponseProxy.start(KEYSTONE)
    cinder = await LostResponseProxy.start(CINDER)
    keystone.rewrite = [[CINDER, cinder.origin]]
    cinder.rewrite = [[CINDER, cinder.origin]]
    dir = mkdtempSync(join(tmpdir(), 'swtest-lost-'))
    store = openStore({ url: `sqlite:${join(dir, 'snapwarden.db')}` })
    await store.migrate()
  })

  after(async () => {
    const problems: string[] = []
    try {
      for (const c of conns.splice(0)) await c.close().catch(() => undefined)
      for (const { conn, made } of serversMade) {
        // Backups in any project first (a wrong look-up could have made one in the admin's).
        if (made.volumeId) problems.push(...(await removeBackupsOfVolume(admin, made.volumeId)))
        problems.push(...(await removeProtectedServer(conn(), made)))
      }
      for (const id of volumesMade) await removeVolumeAndSnapshots(admin, id).catch((err: unknown) => problems.push(String(err)))
      await revokeRole?.()
    } finally {
      await store?.close()
      await keystone?.close()
      await cinder?.close()
      await admin?.close()
      await member?.close()
      if (dir) rmSync(dir, { recursive: true, force: true })
    }
    assert.deepEqual(problems, [], 'cleanup left something behind')
  })

  for (const allProjects of [false, true]) {
    const where = allProjects ? 'a demo-project volume, --all-projects' : 'an admin volume, without --all-projects'

    test(`snapshot: ${where}: one snapshot results`, async () => {
      const owner = allProjects ? member : admin
      const vol = await createTestVolume(owner, `${PREFIX}-snap-${allProjects ? 'all' : 'own'}`, { 'x-snapsentry-daily-enabled': 'true' })
      volumesMade.push(vol.id)
      cinder.dropResponse = dropFirst('POST', /\/v3\/[^/]+\/snapshots$/)
      const before = cinder.dropped().length
      const report = await runSnapshotCycle(deps(onlyOurVolumes(await proxiedCloud())), { mode: 'create', allProjects, dryRun: false })

      assert.equal(cinder.dropped().length - before, 1, 'the proxy dropped the answer to one create')
      const items = (report.result?.items ?? []).filter((r) => r.item.volumeId === vol.id && r.item.action === 'create')
      assert.deepEqual(items.map((r) => r.status), ['succeeded'], JSON.stringify(report.result?.items, null, 2))
      const snaps = (await snapshotsOf(admin, vol.id)).filter((s) => s.status !== 'deleting')
      assert.equal(snaps.length, 1, `snapshots of ${vol.id}: ${JSON.stringify(snaps.map((s) => [s.id, s.status, s.projectId]))}`)
      assert.equal(snaps[0]!.id, items[0]!.snapshotId)
      assert.equal(snaps[0]!.projectId, allProjects ? ids.demo_project_id : ids.admin_project_id)
    })

    test(`backup: ${where}: one backup results`, async () => {
      const owner = allProjects ? member : admin
      const made: Partial<ProtectedServer> = {}
      serversMade.push({ conn: () => owner, made })
      const target = await createProtectedServer(owner, `${PREFIX}-bk-${allProjects ? 'all' : 'own'}`, { [BACKUP_KEY]: 'true' }, made, allProjects ? 'devcloud.small' : 'devcloud.tiny')
      cinder.dropResponse = dropFirst('POST', /\/v3\/[^/]+\/backups$/)
      const before = cinder.dropped().length
      const report = await runBackupCycle(deps(await proxiedCloud()), { allProjects })

      assert.equal(cinder.dropped().length - before, 1, 'the proxy dropped the answer to one create')
      const results = report.results.filter((r) => r.volumeId === target.volumeId)
      assert.deepEqual(results.map((r) => r.outcome), ['succeeded'], JSON.stringify(report.results, null, 2))
      await waitFor(`volume ${target.volumeId}`, () => volumes.get(admin.blockStorage, target.volumeId), (v) => v.status === 'in-use')
      // Every backup of the volume, in any project (a wrongly scoped look-up would create one in the admin's).
      const inCinder: backups.Backup[] = []
      for await (const b of backups.list(admin.blockStorage, { volumeId: target.volumeId, allTenants: true })) if (b.volumeId === target.volumeId) inCinder.push(b)
      assert.equal(inCinder.length, 1, `backups of ${target.volumeId}: ${JSON.stringify(inCinder.map((b) => [b.id, b.status, b.name]))}`)
      assert.equal(inCinder[0]!.id, results[0]!.backupId)
      assert.equal(inCinder[0]!.status, 'available')
    })
  }
})
