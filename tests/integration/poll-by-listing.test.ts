/**
 * Polling by listing against the simulator: backups in flight are followed with one
 * `backups/detail` listing per poll round for all of them, never a GET per backup, and the
 * round interval backs off as the wait grows; retention's delete waits list `status=deleting`.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { executeClaimed } from '../../src/cycles/backup-cycle.ts'
import { runRetentionCycle } from '../../src/cycles/retention-cycle.ts'
import {
  addProtectedServer,
  backupConfig,
  callsOf,
  recordPlannedTasks,
  simBackupsOf,
  startBackupHarness,
  type BackupHarness,
} from '../support/backup-sim.ts'

const ROUTES = {
  get: 'GET /volume/v3/{project_id}/backups/{backup_id}',
  list: 'GET /volume/v3/{project_id}/backups/detail',
  create: 'POST /volume/v3/{project_id}/backups',
} as const

async function withBackups<T>(fn: (b: BackupHarness) => Promise<T>, transitionMs: number): Promise<T> {
  const b = await startBackupHarness({ transitionMs })
  try {
    return await fn(b)
  } finally {
    await b.close()
  }
}

describe('polling by listing', () => {
  test('six backups in flight for three minutes cost one listing per poll round (5 s doubling to 60 s), not a GET per backup', () =>
    withBackups(async (b) => {
      const { volumes } = addProtectedServer(b.sim, b.projectId, 'poll', { volumes: 6 })
      const config = backupConfig({ backup_workers: 12 })
      await recordPlannedTasks(b.deps(config))
      const sleeps: number[] = []
      const deps = b.deps(config)
      const before = { list: callsOf(b.sim, ROUTES.list), get: callsOf(b.sim, ROUTES.get) }
      // Only the sleeps that ran their course: a sleep the poller cut short (a new backup woke it) is no wait.
      const sleep = async (ms: number, signal?: AbortSignal): Promise<void> => {
        await deps.sleep(ms, signal)
        sleeps.push(ms)
      }
      const results = await executeClaimed({ ...deps, sleep }, 'swtest-J-poller')
      assert.deepEqual(results.map((r) => r.outcome), Array(6).fill('succeeded'))
      assert.equal(callsOf(b.sim, ROUTES.create), 6)
      assert.equal(callsOf(b.sim, ROUTES.get) - before.get, 0, 'no backup was read by id')
      // 180 s settle: a round at 5 s (and one more for the creates that came during it), then
      // every backup's interval doubles: 15, 35, 75, 135 and 195 s. Six GETs per round before.
      const listings = callsOf(b.sim, ROUTES.list) - before.list
      assert.ok(listings <= 7, `${listings} listings; sleeps: ${sleeps.join(', ')}`)
      assert.deepEqual(sleeps.slice(-5), [5_000, 10_000, 20_000, 40_000, 60_000, 60_000].slice(-5))
      assert.ok(sleeps.length <= 7 && sleeps.reduce((a, x) => a + x, 0) <= 200_000, `sleeps: ${sleeps.join(', ')}`)
      for (const v of volumes) assert.equal(simBackupsOf(b.sim, v.id)[0]?.status, 'available')
    }, 3 * 60_000))

  test('a round hands each page of backups/detail to the poller as it is read, newest first, and stops paging once every watched backup was seen', async () => {
    const b = await startBackupHarness({ transitionMs: 0, pageSize: 2 })
    try {
      const { volumes } = addProtectedServer(b.sim, b.projectId, 'pages', { volumes: 5 })
      const { cloud } = b.client
      const made: string[] = []
      for (const v of volumes) {
        made.push((await cloud.createBackup({ volumeId: v.id, projectId: b.projectId, name: `swtest-J-page-${made.length}`, incremental: false, force: true })).id)
        b.h.clock.advance(1_000)
      }
      const before = callsOf(b.sim, ROUTES.list)
      const pages: string[][] = []
      // The three newest: two on the first page of two, one on the second; the third page is never read.
      const watched = made.slice(2)
      const listed = await cloud.listRecentBackups({ projectIds: [b.projectId], ids: watched, createdSince: new Date(0) }, undefined, (page) => pages.push(page.map((r) => r.id)))
      assert.deepEqual(pages, [[made[4], made[3]], [made[2]]])
      assert.deepEqual(listed.map((r) => r.id), [made[4], made[3], made[2]])
      assert.equal(callsOf(b.sim, ROUTES.list) - before, 2)
    } finally {
      await b.close()
    }
  })

  test('the backups one listing round settles are finished in one store transaction (finishTasks), not in two writes each', () =>
    withBackups(async (b) => {
      const { volumes } = addProtectedServer(b.sim, b.projectId, 'batch', { volumes: 6 })
      const config = backupConfig({ backup_workers: 6 })
      await recordPlannedTasks(b.deps(config))
      const writes: string[] = []
      const store = new Proxy(b.store, {
        get(target, prop, receiver) {
          const v = Reflect.get(target, prop, receiver) as unknown
          if (typeof v !== 'function') return v
          if (prop === 'finishTasks' || prop === 'finishTask' || prop === 'updateBackupStatus') {
            return (...args: unknown[]) => {
              writes.push(prop === 'finishTasks' ? `finishTasks ${(args[0] as unknown[]).length}` : String(prop))
              return (v as (...a: unknown[]) => unknown).apply(target, args)
            }
          }
          return v.bind(target)
        },
      })
      const results = await executeClaimed(b.deps(config, { store }), 'swtest-J-batch')
      assert.deepEqual(results.map((r) => r.outcome), Array(6).fill('succeeded'))
      // Settle 0: each round sees its backups available and finishes them together (three at a
      // time here: a project's creates go three at a time, half of backup_workers).
      assert.ok(writes.every((w) => w.startsWith('finishTasks ')), writes.join(', '))
      assert.equal(writes.reduce((n, w) => n + Number(w.split(' ')[1]), 0), 6)
      assert.ok(writes.length <= 2, writes.join(', '))
      for (const v of volumes) {
        const [backup] = simBackupsOf(b.sim, v.id)
        assert.equal((await b.store.getBackup(backup!.id))?.status, 'available')
      }
      assert.equal((await b.store.openTasks()).length, 0)
    }, 0))

  test('retention waits for a deleting child with one status=deleting listing per round, then deletes its parent', () =>
    withBackups(async (b) => {
      const { volumes } = addProtectedServer(b.sim, b.projectId, 'expire', { volumes: 3, metadata: { __staffeln_retention: '1d' } })
      const old = new Date(b.h.clock.now() - 10 * 24 * 3_600_000).getTime()
      const recent = b.h.clock.now() - 3_600_000
      for (const v of volumes) {
        // The newest full stays (the last good copy is never removed); the expired chain goes.
        b.sim.state.addBackup({ projectId: b.projectId, volumeId: v.id, name: `swtest-J-new-${v.id}`, createdAt: recent, status: 'available', description: 'Automated backup by Snapwarden' })
        const full = b.sim.state.addBackup({ projectId: b.projectId, volumeId: v.id, name: `swtest-J-full-${v.id}`, createdAt: old, status: 'available', description: 'Automated backup by Snapwarden' })
        b.sim.state.addBackup({ projectId: b.projectId, volumeId: v.id, name: `swtest-J-incr-${v.id}`, createdAt: old + 60_000, status: 'available', parentId: full.id, description: 'Automated backup by Snapwarden' })
      }
      const before = { list: callsOf(b.sim, ROUTES.list), get: callsOf(b.sim, ROUTES.get) }
      const report = await runRetentionCycle(b.deps(backupConfig({ backup_workers: 6 })), { allProjects: false, dryRun: false })
      assert.equal(report.deleted.length, 6, JSON.stringify(report, null, 1).slice(0, 3000))
      assert.equal(callsOf(b.sim, ROUTES.get) - before.get, 0, 'no deleted backup was read by id until 404')
      // The inventory listing, then rounds at 5 and 15 s for the three children deleting at once (10 s each).
      assert.ok(callsOf(b.sim, ROUTES.list) - before.list <= 3, `listings: ${callsOf(b.sim, ROUTES.list) - before.list}`)
      b.h.clock.advance(60_000) // the last delete of each volume is not waited for
      for (const v of volumes) assert.deepEqual(simBackupsOf(b.sim, v.id).map((x) => x.name), [`swtest-J-new-${v.id}`])
    }, 10_000))
})
