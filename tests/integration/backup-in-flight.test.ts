// Backups in flight (issue 9): the daemon's backup job does not wait for what it sent; the next
// cycle's own backups/detail listing settles it. `backup run` (one-shot) waits by listing rounds
// shared by all its backups. Against the in-process simulator on manual time, SQLite store.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { executeClaimed, runBackupCycle, runClaimedRecorded } from '../../src/cycles/backup-cycle.ts'
import { backupJobs } from '../../src/daemon/backup-jobs.ts'
import type { StorePorts } from '../../src/daemon/daemon-ports.ts'
import type { FailedItem, FailureCounts } from '../../src/domain/failure-report.ts'
import { recordingMetrics } from '../../src/executor/testing/recording-metrics.ts'
import { addProtectedServer, backupConfig, BACKUP_ROUTES, callsOf, HOUR, MINUTE, simBackupsOf, startBackupHarness, type BackupHarness } from '../support/backup-sim.ts'

async function withBackups<T>(fn: (b: BackupHarness) => Promise<T>): Promise<T> {
  const b = await startBackupHarness()
  try {
    return await fn(b)
  } finally {
    await b.close()
  }
}

/** Cinder calls by route (the simulator's own count). */
const cinderCalls = (b: BackupHarness): Record<string, number> => Object.fromEntries(Object.entries(b.sim.calls()).filter(([route]) => route.includes('/volume/')))

const DAEMON = { allProjects: false, wait: false } as const

describe('backups in flight', () => {
  test('the daemon\'s backup job sends its creates and makes no poll: one backups/detail listing (its inventory), no GET of a backup; the tasks stay open in flight and are counted neither failed nor succeeded', () =>
    withBackups(async (b) => {
      const { volumes } = addProtectedServer(b.sim, b.projectId, 'daemon', { volumes: 3 })
      const config = backupConfig({ backup_workers: 4, backup_cycle_timeout: '30min' })
      const notified: { counts: FailureCounts; failed: readonly FailedItem[] }[] = []
      const ports: StorePorts = { ...b.deps(config), openCloud: async () => b.client.cloud, notify: async (_job, _at, counts, failed) => void notified.push({ counts, failed }) }
      const job = backupJobs(ports, false).find((j) => j.name === 'backup')!
      const start = b.h.clock.now()

      assert.equal(await job.run(new AbortController().signal), 'succeeded')

      assert.equal(callsOf(b.sim, BACKUP_ROUTES.create), 3)
      assert.equal(callsOf(b.sim, BACKUP_ROUTES.get), 0, JSON.stringify(cinderCalls(b)))
      assert.equal(callsOf(b.sim, BACKUP_ROUTES.list), 1, `only the inventory's listing: ${JSON.stringify(cinderCalls(b))}`)
      assert.equal(b.h.clock.now(), start, 'the job waited for nothing (no poll interval passed)')
      const open = await b.store.openTasks()
      assert.deepEqual(open.map((t) => t.state), ['started', 'started', 'started'])
      for (const t of open) {
        assert.ok(t.backupId && t.deadlineAt, 'each task has its backup id and its deadline')
        assert.deepEqual(t.leaseExpiresAt, t.deadlineAt, 'in flight: its lease runs to its deadline')
        assert.equal((await b.store.getBackup(t.backupId))?.status, 'creating', 'the backup row is recorded')
      }
      assert.deepEqual(notified, [{ counts: { succeeded: 0, failed: 0, skipped: 0 }, failed: [] }])
      const [run] = await b.store.lastRuns(1)
      assert.deepEqual([run?.kind, run?.exitStatus, run?.summary['in_flight'], run?.summary['failed']], ['backup-cycle', 0, 3, undefined], 'db status: the run is ok, its backups in flight')
      assert.deepEqual(volumes.map((v) => simBackupsOf(b.sim, v.id).length), [1, 1, 1])
    }))

  test("the daemon's backup job reports in its webhook what it planned and did not send: a backup over quota and a server whose metadata cannot be read", () =>
    withBackups(async (b) => {
      b.sim.state.setQuota(b.projectId, { backups: 1 })
      const quota = addProtectedServer(b.sim, b.projectId, 'quota', { volumes: 2 })
      const bad = addProtectedServer(b.sim, b.projectId, 'unreadable', { metadata: { __staffeln_backup: 'maybe' } })
      const config = backupConfig({ backup_workers: 4, backup_cycle_timeout: '30min' })
      const notified: { counts: FailureCounts; failed: readonly FailedItem[] }[] = []
      const ports: StorePorts = { ...b.deps(config), openCloud: async () => b.client.cloud, notify: async (_job, _at, counts, failed) => void notified.push({ counts, failed }) }
      const job = backupJobs(ports, false).find((j) => j.name === 'backup')!

      assert.equal(await job.run(new AbortController().signal), 'completed_with_failures')

      assert.equal(callsOf(b.sim, BACKUP_ROUTES.create), 1, 'the backup within quota was sent')
      const [report] = notified
      assert.deepEqual(report?.counts, { succeeded: 0, failed: 1, skipped: 0 }, 'the sent one is in flight (neither); the one over quota failed')
      const failed = (report?.failed ?? []).map((f) => [f.action, f.serverId, f.error.code])
      assert.deepEqual(failed, [
        ['backup', quota.server.id, 'EXEC_OVER_QUOTA'],
        ['parse-server-metadata', bad.server.id, 'PLAN_POLICY_INVALID'],
      ])
      assert.match(report?.failed[1]?.error.message ?? '', /__staffeln_backup='maybe'.*accepted: true or false/)
    }))

  test('the next cycle settles in-flight tasks from its own listing: available → succeeded, error → failed, gone → failed; counted when they finish', () =>
    withBackups(async (b) => {
      const { volumes } = addProtectedServer(b.sim, b.projectId, 'settle', { volumes: 3 })
      // Their deadline is after the next cycle: only its listing can finish them (no claimer may).
      const config = backupConfig({ backup_workers: 4, backup_cycle_timeout: '2h' })
      b.sim.faults.failTransitions('backup', { times: 1 })
      const first = await runBackupCycle(b.deps(config), DAEMON)
      assert.deepEqual(first.results.map((r) => r.outcome), ['in_flight', 'in_flight', 'in_flight'])
      const byBackup = new Map(first.results.map((r) => [r.backupId!, r]))
      const status = (id: string) => simBackupsOf(b.sim, byBackup.get(id)!.volumeId).find((x) => x.id === id)?.status
      const failedOne = [...byBackup.keys()].find((id) => status(id) === 'error')!
      const goneOne = [...byBackup.keys()].find((id) => id !== failedOne)!
      const fine = [...byBackup.keys()].find((id) => id !== failedOne && id !== goneOne)!
      const gone = b.sim.state.backups.get(goneOne)!
      b.sim.state.removeResource(gone)

      b.h.clock.advance(HOUR)
      const metrics = recordingMetrics()
      const second = await runBackupCycle(b.deps(config, { metrics }), DAEMON)

      const settled = new Map(second.results.filter((r) => byBackup.has(r.backupId ?? '')).map((r) => [r.backupId!, r]))
      assert.equal(settled.get(fine)?.outcome, 'succeeded')
      for (const r of settled.values()) assert.match(r.steps.join('\n'), /not listed|seen in the next cycle's listing/)
      assert.equal(settled.get(failedOne)?.outcome, 'failed')
      assert.match(settled.get(failedOne)?.error?.message ?? '', /error/)
      assert.equal(settled.get(goneOne)?.outcome, 'failed')
      assert.match(settled.get(goneOne)?.error?.message ?? '', /went away/)
      assert.equal((await b.store.getTask(byBackup.get(fine)!.taskId))?.state, 'succeeded')
      assert.equal((await b.store.getTask(byBackup.get(failedOne)!.taskId))?.state, 'failed')
      assert.equal((await b.store.getTask(byBackup.get(goneOne)!.taskId))?.errorCode, 'OS_RESOURCE_FAILED')
      assert.equal((await b.store.getBackup(fine))?.status, 'available')
      assert.equal((await b.store.getBackup(failedOne))?.status, 'error')
      assert.ok((await b.store.getBackup(goneOne))?.deletedAt, 'the row of the backup that went away is closed')
      assert.equal(metrics.count('snapwarden_backup_tasks_total', { outcome: 'succeeded' }), 1)
      assert.equal(metrics.count('snapwarden_backup_tasks_total', { outcome: 'failed' }), 2)
      assert.equal(callsOf(b.sim, BACKUP_ROUTES.get), 0, 'settled without a GET')
      // The volumes were free again once settled: this cycle sent their next backups (in flight).
      assert.equal(second.results.filter((r) => r.outcome === 'in_flight').length, volumes.length)
    }))

  test('a settle cut short between its writes (the store fails on the backup row) is done again by the next cycle: the task is never finished with its row still creating', () =>
    withBackups(async (b) => {
      addProtectedServer(b.sim, b.projectId, 'cut', { volumes: 1 })
      const config = backupConfig({ backup_workers: 4, backup_cycle_timeout: '2h' })
      const first = await runBackupCycle(b.deps(config), DAEMON)
      const sent = first.results[0]!
      assert.equal(sent.outcome, 'in_flight')
      b.h.clock.advance(HOUR)

      // The store fails as the settle writes the backup's status (as a kill -9 there would stop it).
      let failOnce = true
      const store = new Proxy(b.store, {
        get(target, prop, receiver) {
          const value: unknown = Reflect.get(target, prop, receiver)
          if (prop !== 'updateBackupStatus' || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value
          return async (...args: unknown[]) => {
            if (failOnce) {
              failOnce = false
              throw new Error('store went away')
            }
            return (value as (...a: unknown[]) => unknown).apply(target, args)
          }
        },
      })
      await assert.rejects(runBackupCycle(b.deps(config, { store }), DAEMON), /store went away/)
      assert.equal((await b.store.getTask(sent.taskId))?.state, 'started', 'the task stays open until its row is written')

      const next = await runBackupCycle(b.deps(config), DAEMON)
      assert.equal(next.results.find((r) => r.taskId === sent.taskId)?.outcome, 'succeeded')
      assert.equal((await b.store.getTask(sent.taskId))?.state, 'succeeded')
      assert.equal((await b.store.getBackup(sent.backupId!))?.status, 'available')
    }))

  test('an in-flight backup still creating past its deadline is cancelled by a later cycle (deleted, else force-deleted)', () =>
    withBackups(async (b) => {
      const { volumes: [vol] } = addProtectedServer(b.sim, b.projectId, 'late')
      const config = backupConfig({ backup_workers: 2, backup_cycle_timeout: '2min' })
      b.sim.faults.stick('backup', 'creating')
      const first = await runBackupCycle(b.deps(config), DAEMON)
      assert.deepEqual(first.results.map((r) => r.outcome), ['in_flight'])
      const id = first.results[0]!.backupId!

      b.h.clock.advance(HOUR)
      const second = await runBackupCycle(b.deps(config), DAEMON)

      const r = second.results.find((x) => x.backupId === id)
      assert.equal(r?.outcome, 'cancelled', JSON.stringify(second.results, null, 2))
      assert.equal((await b.store.getTask(r.taskId))?.state, 'cancelled')
      assert.ok((await b.store.getBackup(id))?.deletedAt)
      assert.deepEqual(simBackupsOf(b.sim, vol!.id).map((x) => x.id), [], 'the stuck backup is gone')
      assert.equal(callsOf(b.sim, BACKUP_ROUTES.create), 1, 'the volume was not backed up again while its task was open')
    }))

  test('a daemon that is not the planner never claims in-flight tasks (nor any claimer before their deadline); past it, the planner\'s cycle takes them over and cancels them', () =>
    withBackups(async (b) => {
      addProtectedServer(b.sim, b.projectId, 'rival', { volumes: 2 })
      const config = backupConfig({ backup_workers: 2, backup_cycle_timeout: '10min' })
      b.sim.faults.stick('backup', 'creating')
      const first = await runBackupCycle(b.deps(config), DAEMON)
      assert.deepEqual(first.results.map((r) => r.outcome), ['in_flight', 'in_flight'])
      const rival = await b.openSecondStore()
      const before = { ...cinderCalls(b) }

      b.h.clock.advance(9 * MINUTE)
      const early = await executeClaimed(b.deps(config, { store: rival }), 'swtest-J-rival', undefined, { wait: false })
      assert.deepEqual(early, [], 'nothing claimed before the deadline')
      b.h.clock.advance(2 * MINUTE)
      const notPlanner = await runClaimedRecorded(b.deps(config, { store: rival }), 'swtest-J-rival', undefined, { wait: false })
      assert.deepEqual(notPlanner, [], 'past the deadline too, a daemon that is not the planner leaves them to the planner')
      assert.deepEqual(cinderCalls(b), before, 'and makes no Cinder call for them')
      assert.deepEqual((await b.store.openTasks()).map((t) => t.attempts), [1, 1])

      const planner = await runBackupCycle(b.deps(config, { store: rival }), DAEMON)
      assert.deepEqual(planner.results.map((r) => r.outcome), ['cancelled', 'cancelled'], 'the planner\'s cycle takes them over past their deadline and cancels them')
    }))

  test('`backup run` waits for what it sent and reports each outcome, seen settled by one listing round at once when the cloud is fast', () =>
    withBackups(async (b) => {
      addProtectedServer(b.sim, b.projectId, 'oneshot', { volumes: 4 })
      const config = backupConfig({ backup_workers: 2 })
      const start = b.h.clock.now()
      // Time passes only when nothing else can happen: a sleep first lets the event loop go round
      // (the creates' requests and answers), then advances the manual clock.
      const sleep = async (ms: number, signal?: AbortSignal): Promise<void> => {
        for (let i = 0; i < 500; i++) {
          await new Promise<void>((resolve) => setImmediate(resolve))
          signal?.throwIfAborted()
        }
        b.h.clock.advance(ms)
      }

      const report = await runBackupCycle(b.deps(config, { sleep }), { allProjects: false })

      assert.deepEqual(report.results.map((r) => r.outcome), ['succeeded', 'succeeded', 'succeeded', 'succeeded'])
      assert.equal(callsOf(b.sim, BACKUP_ROUTES.list), 2, `the inventory's listing and one round: ${JSON.stringify(cinderCalls(b))}`)
      assert.equal(callsOf(b.sim, BACKUP_ROUTES.get), 0)
      assert.equal(b.h.clock.now(), start, 'no poll interval waited')
      assert.deepEqual(await b.store.openTasks(), [])
    }))
})
