// The backup conductor against the real Keystone + Cinder + Nova of ../shared/devcloud (admin
// cloud): a volume attached to a server tagged with a backup key unique to this run, so the cycles
// act on nothing else of the shared admin project. Real backups take seconds; the executor sleeps
// for real here, and every test-side wait is bounded.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { setTimeout as delay } from 'node:timers/promises'
import { runBackupCycle } from '../../src/cycles/backup-cycle.ts'
import type { BackupCycleDeps, BackupCycleReport } from '../../src/cycles/backup-inventory.ts'
import { runRetentionCycle } from '../../src/cycles/retention-cycle.ts'
import { OpenStackCloud } from '../../src/cloud/openstack-cloud.ts'
import type { Config } from '../../src/config/schema.ts'
import { validateConfig } from '../../src/config/validate.ts'
import type { Clock } from '../../src/domain/clock.ts'
import { silentLogger } from '../../src/domain/logger.ts'
import { noopMetrics } from '../../src/domain/metrics.ts'
import type { Store } from '../../src/domain/store-port.ts'
import * as backups from '../../src/openstack/blockstorage/v3/backups/index.ts'
import * as volumes from '../../src/openstack/blockstorage/v3/volumes/index.ts'
import type { Connection } from '../../src/openstack/connection.ts'
import { openStore } from '../../src/store/index.ts'
import {
  backupsOf,
  connectDevcloud,
  createProtectedServer,
  ensureBackupRoom,
  removeProtectedServer,
  waitFor,
  waitGone,
  type ProtectedServer,
} from '../support/backup-devcloud.ts'

const RUN_ID = randomUUID().slice(0, 8)
const PREFIX = `swtest-bk-${RUN_ID}`
/** Only servers with this key are backed up by these cycles. */
const BACKUP_KEY = `swtest_bk_${RUN_ID}`
const RETENTION_KEY = `swtest_bk_${RUN_ID}_retention`
const systemClock: Clock = { now: () => new Date() }

function config(conductor: Record<string, unknown>): Config {
  const r = validateConfig({
    conductor: { backup_metadata_key: BACKUP_KEY, retention_metadata_key: RETENTION_KEY, full_backup_depth: 2, backup_min_interval: 0, ...conductor },
  })
  if (!r.ok) throw new Error(`test config invalid: ${JSON.stringify(r.problems)}`)
  return r.config
}

describe('backup conductor against the devcloud', { timeout: 900_000 }, () => {
  let conn: Connection
  let store: Store
  let dir = ''
  const made: Partial<{ serverId: string; volumeId: string }> = {}
  let target: ProtectedServer
  const ids: string[] = []

  const deps = (conductor: Record<string, unknown> = {}, clock: Clock = systemClock): BackupCycleDeps => ({
    cloud: new OpenStackCloud(conn),
    store,
    clock,
    sleep: (ms, signal) => delay(ms, undefined, signal ? { signal } : {}),
    random: Math.random,
    logger: silentLogger,
    metrics: noopMetrics,
    config: config({ backup_cycle_timeout: '10min', ...conductor }),
  })

  /** One cycle that must back up our one volume; waits until the volume is back in use. */
  async function cycle(conductor: Record<string, unknown> = {}): Promise<BackupCycleReport> {
    const report = await runBackupCycle(deps(conductor), { allProjects: false })
    await waitFor(`volume ${target.volumeId}`, () => volumes.get(conn.blockStorage, target.volumeId), (v) => v.status === 'in-use')
    return report
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'swtest-bk-'))
    store = openStore({ url: `sqlite:${join(dir, 'snapwarden.db')}` })
    await store.migrate()
    conn = await connectDevcloud('devcloud-admin')
    const projectId = (await conn.provider.authenticate()).project?.id
    assert.ok(projectId)
    await ensureBackupRoom(conn, projectId, 6)
    // Retention for our server only (the default retention_time stays 2w3d for everything else).
    target = await createProtectedServer(conn, PREFIX, { [BACKUP_KEY]: 'true', [RETENTION_KEY]: '1min' }, made)
  })

  after(async () => {
    try {
      if (conn) {
        const problems = await removeProtectedServer(conn, made)
        assert.deepEqual(problems, [], 'cleanup left something behind')
      }
    } finally {
      await store?.close()
      await conn?.close()
      if (dir) rmSync(dir, { recursive: true, force: true })
    }
  })

  test('three cycles give a full backup then two incrementals (full_backup_depth 2)', async () => {
    for (const expected of ['full', 'incremental', 'incremental']) {
      const report = await cycle()
      assert.equal(report.discovery.targets.length, 1, 'only our server is backed up')
      assert.equal(report.results.length, 1, JSON.stringify(report, null, 2))
      const [r] = report.results
      assert.equal(r!.outcome, 'succeeded', JSON.stringify(r, null, 2))
      assert.equal(r!.kind, expected)
      ids.push(r!.backupId!)
    }
    const inCinder = await backupsOf(conn, target.volumeId)
    assert.deepEqual(inCinder.map((b) => [b.id, b.isIncremental, b.status]), [
      [ids[0], false, 'available'],
      [ids[1], true, 'available'],
      [ids[2], true, 'available'],
    ])
    assert.equal(inCinder[0]!.hasDependentBackups, true)
    for (const id of ids) assert.equal((await store.getBackup(id))?.status, 'available')
  })

  test('retention deletes an expired chain children first and Cinder accepts every delete', async () => {
    assert.equal(ids.length, 3, 'needs the chain of the previous test')
    const report = await cycle()
    const newest = report.results[0]
    assert.equal(newest?.kind, 'full', JSON.stringify(report.results, null, 2))
    const newFull = await backups.get(conn.blockStorage, newest.backupId!)

    // One minute after the new full, with a retention of 1min (server metadata): the old chain expired.
    const at: Clock = { now: () => new Date(newFull.createdAt.getTime() + 60_000) }
    const retention = await runRetentionCycle(deps({}, at), { allProjects: false })

    const [full, incr1, incr2] = ids
    const mine = retention.perVolume.find((v) => v.volumeId === target.volumeId)
    assert.deepEqual(mine?.result.remove.map((r) => r.backup.id), [incr2, incr1, full], 'planned children first')
    assert.deepEqual(retention.failed, [], 'Cinder refused a delete')
    assert.deepEqual(retention.deleted, [incr2, incr1, full])
    for (const id of [incr2!, incr1!, full!]) await waitGone(`backup ${id}`, () => backups.get(conn.blockStorage, id))
    assert.deepEqual((await backupsOf(conn, target.volumeId)).map((b) => b.id), [newFull.id])
    for (const id of [incr2!, incr1!, full!]) assert.ok((await store.getBackup(id))?.deletedAt, `row of ${id} closed`)
  })

  test('a backup running past backup_cycle_timeout is cancelled and cleaned up, and its task and row are closed', async () => {
    const before = new Set((await backupsOf(conn, target.volumeId)).map((b) => b.id))
    const report = await cycle({ backup_cycle_timeout: '1s' })

    assert.equal(report.results.length, 1)
    const [r] = report.results
    assert.equal(r!.outcome, 'cancelled', JSON.stringify(r, null, 2))
    assert.ok(r!.steps.some((s) => s.startsWith('timed out after 1000 ms')), r!.steps.join('\n'))
    const id = r!.backupId!
    assert.ok(!before.has(id))
    const task = await store.getTask(r!.taskId)
    assert.equal(task?.state, 'cancelled')
    assert.ok((await store.getBackup(id))?.deletedAt, 'the tracked row is closed')
    await waitGone(`backup ${id}`, () => backups.get(conn.blockStorage, id))
    const left = (await backupsOf(conn, target.volumeId)).filter((b) => !before.has(b.id))
    assert.deepEqual(left.map((b) => `${b.id} ${b.status}`), [], 'nothing untracked is left')
  })
})
