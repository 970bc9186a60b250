import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { silentLogger } from '../domain/logger.ts'
import type { BackupTask } from '../domain/store-port.ts'
import { Pool } from './pool.ts'
import { runBackupTasks, type BackupRunOptions } from './run-backup-tasks.ts'
import { badRequestError, createFakeCloud, forbiddenError, transientError } from './testing/fake-cloud.ts'
import { createFakeBackupStore } from './testing/fake-backup-store.ts'
import { fakeTime, fixedRandom } from './testing/fake-time.ts'
import { recordingMetrics } from './testing/recording-metrics.ts'

function aTask(over: Partial<BackupTask> = {}): BackupTask {
  return {
    id: 't1', cycleId: 'c1', projectId: 'project-a', serverId: 'srv-1', serverName: 'web', volumeId: 'vol-1', volumeName: 'data',
    kind: 'incremental', state: 'planned', plannedAt: new Date('2026-03-29T00:00:00Z'), attempts: 1, reported: false, ...over,
  }
}

function setup(task: BackupTask) {
  const time = fakeTime()
  const cloud = createFakeCloud(time.clock)
  const store = createFakeBackupStore([task])
  const deps = { cloud, store, clock: time.clock, sleep: time.sleep, random: fixedRandom(0.5), logger: silentLogger, metrics: recordingMetrics() }
  const options: BackupRunOptions = { owner: 'w1', backupTimeoutMs: 60_000, cancelGraceMs: 10_000, pollIntervalMs: 1000, retry: { baseDelayMs: 10, maxDelayMs: 100 } }
  return { time, cloud, store, run: (o: Partial<BackupRunOptions> = {}) => runBackupTasks([task], deps, { ...options, ...o }) }
}

describe('runBackupTasks', () => {
  it('falls back to a full backup in the same cycle when Cinder refuses an incremental for lack of a parent', async () => {
    const { cloud, store, run } = setup(aTask())
    cloud.createBackup = async (req, signal) => {
      if (req.incremental) {
        cloud.calls.push('create-backup refused')
        throw badRequestError('Invalid backup: No backups available to do an incremental backup. (HTTP 400)')
      }
      return cloud.base.createBackup(req, signal)
    }
    const [result] = await run()
    assert.equal(result?.outcome, 'succeeded')
    assert.equal(result?.kind, 'full')
    assert.equal(result?.volumeId, 'vol-1', 'the result names the volume it is about')
    assert.deepEqual(cloud.calls.filter((c) => c.startsWith('create-backup')), ['create-backup refused', 'create-backup vol-1 full'])
    assert.equal(store.tasks.get('t1')?.backupId, 'backup-0001')
    assert.equal(store.tracked.get('backup-0001')?.kind, 'full')
    assert.equal(store.tracked.get('backup-0001')?.status, 'available')
  })

  it('records the backup id on the task and in the catalog before following the backup', async () => {
    const { cloud, store, run } = setup(aTask({ kind: 'full' }))
    let polls = 0
    const list = cloud.listRecentBackups
    cloud.listRecentBackups = async (query, signal) => {
      polls++
      for (const id of query.ids) {
        assert.equal(store.tasks.get('t1')?.backupId, id, 'the id is recorded before the first poll')
        assert.ok(store.tracked.has(id), 'the backup is tracked before the first poll')
      }
      return list(query, signal)
    }
    const [result] = await run()
    assert.ok(polls > 0)
    assert.equal(result?.outcome, 'succeeded')
    assert.deepEqual(store.log, ['intent t1 snapwarden-data-c1', 'confirm t1', 'started t1 backup-0001', 'finish t1 succeeded'])
  })

  it('adopts the backup found by the recorded name after a lost answer instead of creating a second one', async () => {
    const { cloud, store, run } = setup(aTask({ kind: 'full' }))
    cloud.createBackup = async (req, signal) => {
      await cloud.base.createBackup(req, signal)
      if (cloud.backups.size === 1) throw transientError('answer lost')
      return cloud.base.createBackup(req, signal)
    }
    const [result] = await run()
    assert.equal(result?.outcome, 'succeeded')
    assert.equal(cloud.backups.size, 1)
    assert.equal(store.tasks.get('t1')?.backupId, [...cloud.backups.keys()][0])
  })

  it('cancels a backup that outlives its timeout: waits for a deletable state, then force-deletes it', async () => {
    const { cloud, store, run, time } = setup(aTask({ kind: 'full' }))
    cloud.readsUntilAvailable = Number.POSITIVE_INFINITY
    const [result] = await run()
    assert.equal(result?.outcome, 'cancelled')
    assert.equal(result?.error?.code, 'OS_WAIT_TIMEOUT')
    assert.ok(cloud.calls.includes('force-delete-backup backup-0001'))
    assert.equal(cloud.backups.size, 0)
    assert.ok(store.tracked.get('backup-0001')?.deletedAt, 'the catalog row is closed')
    assert.equal(time.sleeps.reduce((a, b) => a + b, 0), 70_000, 'backup timeout plus cancel grace, on the fake clock')
  })

  it('leaves a backup it may not force-delete tracked and the task failed', async () => {
    const { cloud, store, run } = setup(aTask({ kind: 'full' }))
    cloud.readsUntilAvailable = Number.POSITIVE_INFINITY
    cloud.forceDeleteBackup = async () => {
      throw forbiddenError()
    }
    const [result] = await run()
    assert.equal(result?.outcome, 'failed')
    assert.equal(cloud.backups.size, 1)
    assert.equal(await store.isTracked('backup-0001'), true)
  })

  it('backups in flight are followed by one listing per round for all of them, never a GET per backup, backing off from the first interval', async () => {
    const tasks = ['1', '2', '3', '4', '5'].map((n) => aTask({ id: `t${n}`, volumeId: `vol-${n}`, kind: 'full' }))
    const time = fakeTime()
    const cloud = createFakeCloud(time.clock)
    cloud.readsUntilAvailable = 4
    const store = createFakeBackupStore(tasks)
    const deps = { cloud, store, clock: time.clock, sleep: time.sleep, random: fixedRandom(0.5), logger: silentLogger, metrics: recordingMetrics() }
    const results = await runBackupTasks(tasks, deps, { owner: 'w1', backupTimeoutMs: 600_000, pollIntervalMs: 5_000, pool: new Pool({ global: 5, perProject: 5 }) })
    assert.deepEqual(results.map((r) => r.outcome), Array(5).fill('succeeded'))
    assert.equal(cloud.calls.filter((c) => c.startsWith('get-backup')).length, 0)
    assert.equal(cloud.calls.filter((c) => c === 'list-recent-backups').length, 4, cloud.calls.join(', '))
    // A round is made at once when the last create was sent (lookNow); it is not a step of the
    // back-off, so the next look comes one first interval later, then the interval doubles.
    assert.deepEqual(time.sleeps, [5_000, 5_000, 10_000, 20_000])
  })
})
