// The backup conductor end to end against the in-process simulator: our real client, adapter,
// planner, executor and a SQLite store on a temp file. Time is the simulator's ManualClock
// (sleep advances it), so a 10-minute timeout passes without waiting.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { describe, test } from 'node:test'
import { executeClaimed, runBackupCycle } from '../../src/cycles/backup-cycle.ts'
import type { BackupCycleOptions, BackupCycleReport } from '../../src/cycles/backup-inventory.ts'
import { runRetentionCycle } from '../../src/cycles/retention-cycle.ts'
import { TaskRecording } from '../../src/cycles/task-recording.ts'
import { retentionCycleFailures } from '../../src/cycles/cycle-failures.ts'
import { backupExpireCommand, backupPlanCommand, backupRunCommand } from '../../src/cli/commands/backup.ts'
import type { CliDeps } from '../../src/cli/deps.ts'
import { EXIT } from '../../src/cli/exit-codes.ts'
import type { Config } from '../../src/config/schema.ts'
import { silentLogger } from '../../src/domain/logger.ts'
import { noopMetrics } from '../../src/domain/metrics.ts'
import type { BackupTaskResult } from '../../src/executor/run-backup-tasks.ts'
import { StoreConflictError, StoreUnavailableError } from '../../src/store/index.ts'
import {
  addProtectedServer,
  backupConfig,
  backupDeletes,
  BACKUP_ROUTES,
  beforeCreateBackup,
  callsOf,
  HOUR,
  MINUTE,
  recordPlannedTasks,
  recordingLogger,
  scopedAdminCloud,
  simBackupsOf,
  startBackupHarness,
  type BackupHarness,
} from '../support/backup-sim.ts'
import { simulatorCloudConfig } from '../../src/cli/demo-simulator.ts'
import { OpenStackCloud, projectScopedConnector } from '../../src/cloud/openstack-cloud.ts'
import { connect } from '../../src/openstack/connection.ts'
import { manualTime } from '../support/sim-cloud.ts'
import { describeRun, runCli } from '../support/run-cli.ts'
import { projectIds } from '../support/sim-scenario.ts'

const RUN: BackupCycleOptions = { allProjects: false }

async function withBackups<T>(fn: (b: BackupHarness) => Promise<T>, opts: Parameters<typeof startBackupHarness>[0] = {}): Promise<T> {
  const b = await startBackupHarness(opts)
  try {
    return await fn(b)
  } finally {
    await b.close()
  }
}

function only(report: BackupCycleReport): BackupTaskResult {
  assert.equal(report.results.length, 1, JSON.stringify(report.results, null, 2))
  return report.results[0]!
}

function succeeded(report: BackupCycleReport): BackupTaskResult {
  const r = only(report)
  assert.equal(r.outcome, 'succeeded', JSON.stringify(r, null, 2))
  return r
}

const kindOf = (b: { parentId: string | null }): string => (b.parentId === null ? 'full' : 'incremental')

/** The deps a `backup …` command gets from the CLI, on the harness's cloud, store file and manual time; output lines are collected. */
function commandDeps(b: BackupHarness, config: Config): { deps: CliDeps; lines: string[] } {
  const lines: string[] = []
  const closers: (() => Promise<void> | void)[] = []
  const time = b.deps(config)
  const deps: CliDeps = {
    globals: { debug: false },
    env: {},
    out: { line: (text = '') => void lines.push(...text.split('\n')), json: (value) => void lines.push(JSON.stringify(value)) },
    logger: silentLogger,
    clock: time.clock,
    sleep: time.sleep,
    random: time.random,
    isTTY: false,
    metrics: noopMetrics,
    config: () => config,
    chooseCloud: () => { throw new Error('not used: openCloud is given') },
    openCloud: async () => ({ cloud: b.client.cloud, label: 'test simulator', simulated: true, close: async () => {} }),
    onClose: (fn) => void closers.push(fn),
    close: async () => {
      for (const fn of closers.splice(0)) await fn()
    },
  }
  return { deps, lines }
}

describe('backup cycle against the simulator', () => {
  test('full_backup_depth 2 gives full, incremental, incremental, then full again', () =>
    withBackups(async (b) => {
      const { volumes: [vol] } = addProtectedServer(b.sim, b.projectId, 'depth')
      const deps = b.deps(backupConfig({ full_backup_depth: 2, backup_min_interval: 3600 }))

      const kinds: (string | undefined)[] = []
      for (let i = 0; i < 4; i++) {
        kinds.push(succeeded(await runBackupCycle(deps, RUN)).kind)
        b.h.clock.advance(2 * HOUR)
      }

      assert.deepEqual(kinds, ['full', 'incremental', 'incremental', 'full'])
      const made = simBackupsOf(b.sim, vol!.id)
      assert.deepEqual(made.map(kindOf), ['full', 'incremental', 'incremental', 'full'])
      assert.equal(made[1]!.parentId, made[0]!.id)
      assert.equal(made[2]!.parentId, made[1]!.id)
      assert.equal(callsOf(b.sim, BACKUP_ROUTES.create), 4)
    }))

  test('a failed backup does not count towards full_backup_depth', () =>
    withBackups(async (b) => {
      const { volumes: [vol] } = addProtectedServer(b.sim, b.projectId, 'depth-failed')
      const deps = b.deps(backupConfig({ full_backup_depth: 2 }))

      const outcomes: string[] = []
      for (let i = 0; i < 5; i++) {
        if (i === 2) b.sim.faults.failTransitions('backup', { times: 1 })
        const r = only(await runBackupCycle(deps, RUN))
        outcomes.push(`${r.kind}:${r.outcome}`)
        b.h.clock.advance(HOUR)
      }

      assert.deepEqual(outcomes, ['full:succeeded', 'incremental:succeeded', 'incremental:failed', 'incremental:succeeded', 'full:succeeded'])
      assert.deepEqual(simBackupsOf(b.sim, vol!.id).map((x) => x.status), ['available', 'available', 'error', 'available', 'available'])
    }))

  test('an incremental refused because its parent was deleted outside falls back to a full in the same cycle', () =>
    withBackups(async (b) => {
      const { volumes: [vol] } = addProtectedServer(b.sim, b.projectId, 'fallback')
      const first = succeeded(await runBackupCycle(b.deps(backupConfig({ full_backup_depth: 2 })), RUN))
      b.h.clock.advance(HOUR)
      // The full disappears after planning (which saw it) and before the incremental is sent.
      const cloud = beforeCreateBackup(b.client.cloud, (req) => {
        const parent = b.sim.state.backups.get(first.backupId!)
        if (req.incremental && parent) b.sim.state.removeResource(parent)
      })

      const report = await runBackupCycle(b.deps(backupConfig({ full_backup_depth: 2 }), { cloud }), RUN)

      assert.equal(report.plan.tasks[0]?.kind, 'incremental', 'the planner saw the full and planned an incremental')
      const r = succeeded(report)
      assert.equal(r.kind, 'full')
      assert.ok(r.steps.some((s) => /falling back to a full/.test(s)), r.steps.join('\n'))
      assert.equal(callsOf(b.sim, BACKUP_ROUTES.create), 3, 'first full, refused incremental, fallback full')
      const made = simBackupsOf(b.sim, vol!.id)
      assert.deepEqual(made.map((x) => [x.id, kindOf(x)]), [[r.backupId, 'full']])
      assert.equal((await b.store.getBackup(r.backupId!))?.kind, 'full')
    }))

  test('backup_min_interval skips a volume backed up too recently, and backs it up once the interval passed', () =>
    withBackups(async (b) => {
      const { volumes: [vol] } = addProtectedServer(b.sim, b.projectId, 'interval')
      const deps = b.deps(backupConfig({ backup_min_interval: 3600 }))
      const first = succeeded(await runBackupCycle(deps, RUN))

      b.h.clock.advance(30 * MINUTE)
      const early = await runBackupCycle(deps, RUN)
      assert.deepEqual(early.results, [])
      assert.equal(early.planned, 0)
      const skip = early.plan.skipped.find((s) => s.volumeId === vol!.id)
      assert.equal(skip?.reason, 'min_interval')
      assert.match(skip?.message ?? '', new RegExp(first.backupId!))

      b.h.clock.advance(31 * MINUTE)
      assert.equal(succeeded(await runBackupCycle(deps, RUN)).kind, 'incremental')
      assert.equal(callsOf(b.sim, BACKUP_ROUTES.create), 2)
    }))

  test('a backup that would exceed the backup quota is recorded as over_quota and never sent', () =>
    withBackups(async (b) => {
      b.sim.state.setQuota(b.projectId, { backups: 1 })
      const { volumes } = addProtectedServer(b.sim, b.projectId, 'quota', { volumes: 2 })

      const report = await runBackupCycle(b.deps(), RUN)

      const done = succeeded(report)
      assert.equal(report.plan.overQuota.length, 1)
      const overVolume = report.plan.overQuota[0]!.task.volumeId
      assert.notEqual(overVolume, report.plan.tasks[0]?.volumeId)
      assert.equal(callsOf(b.sim, BACKUP_ROUTES.create), 1, 'only the backup within quota reached Cinder')
      const rows = await b.store.tasksForReport(b.projectId)
      const over = rows.filter((t) => t.state === 'over_quota')
      assert.equal(over.length, 1, JSON.stringify(rows, null, 2))
      assert.equal(over[0]!.volumeId, overVolume)
      assert.equal(over[0]!.errorCode, 'EXEC_OVER_QUOTA')
      assert.equal(over[0]!.backupId, undefined)
      assert.deepEqual(rows.filter((t) => t.state === 'succeeded').map((t) => t.id), [done.taskId])
      assert.deepEqual(volumes.map((v) => simBackupsOf(b.sim, v.id).length).sort(), [0, 1])
      assert.equal((await b.store.openTasks()).length, 0)
    }))

  for (const value of ['3000y', '', '1d2w', '20m']) {
    test(`an invalid __staffeln_retention (${JSON.stringify(value)}) keeps every backup of that server until it is fixed, and is reported each cycle`, () =>
      withBackups(async (b) => {
        const bad = addProtectedServer(b.sim, b.projectId, 'retention-bad', { metadata: { __staffeln_retention: value }, volumes: 2 })
        const good = addProtectedServer(b.sim, b.projectId, 'retention-good', { metadata: { __staffeln_retention: '20min' } })
        const logger = recordingLogger()
        // retention_time 1h: had the invalid value fallen back to it, the bad server's old backups would go.
        const deps = b.deps(backupConfig({ full_backup_depth: 0, retention_time: '1h' }), { logger })

        const first = await runBackupCycle(deps, RUN)
        assert.deepEqual(first.discovery.problems.map((p) => [p.serverId, p.key, p.value]), [[bad.server.id, '__staffeln_retention', value]])
        assert.ok(logger.warnings.some((w) => w.obj['serverId'] === bad.server.id), 'the problem was not logged')
        assert.deepEqual(first.results.map((r) => r.outcome), ['succeeded', 'succeeded', 'succeeded'], 'the server is still backed up')
        b.h.clock.advance(2 * HOUR)
        await runBackupCycle(deps, RUN)
        b.h.clock.advance(2 * HOUR)
        const badVolumes = bad.volumes.map((v) => v.id)
        const badBackups = () => badVolumes.flatMap((id) => simBackupsOf(b.sim, id).map((x) => x.id))
        const held = badBackups()
        assert.equal(held.length, 4)

        for (let cycle = 0; cycle < 2; cycle++) {
          const from = b.client.requests.length
          const retention = await runRetentionCycle(deps, RUN)
          assert.deepEqual(badBackups(), held, 'a backup of the server with the unreadable value was deleted')
          assert.ok(!backupDeletes(b.client.requests.slice(from)).some((id) => held.includes(id)), 'a delete was sent for a held backup')
          assert.equal(retention.problems.length, 1, 'the problem is reported by every retention cycle')
          const problem = retention.problems[0]!
          assert.deepEqual([problem.serverId, problem.key, problem.value], [bad.server.id, '__staffeln_retention', value])
          assert.ok(problem.message.includes(bad.server.id) && problem.message.includes(`__staffeln_retention=${JSON.stringify(value)}`), problem.message)
          assert.match(problem.message, /accepted: <int><unit> parts with units y, mon, w, d, h, min, s/)
          assert.deepEqual(retention.perVolume.filter((v) => v.held).map((v) => v.volumeId).sort(), [...badVolumes].sort())
          // The daemon's retention job and its webhook count it as a failure.
          const { failed } = retentionCycleFailures(retention)
          assert.deepEqual(failed.map((f) => [f.action, f.serverId, f.error.code]), [['parse-server-metadata', bad.server.id, 'PLAN_POLICY_INVALID']])
        }
        assert.equal(simBackupsOf(b.sim, good.volumes[0]!.id).length, 1, 'the 20min server lost its old backup as usual')

        // Fixed: retention resumes with the server's value, and nothing is reported any more.
        bad.server.metadata.__staffeln_retention = '1h'
        const fixed = await runRetentionCycle(deps, RUN)
        assert.deepEqual(fixed.problems, [])
        assert.deepEqual(retentionCycleFailures(fixed).failed, [])
        assert.equal(fixed.deleted.length, 2, 'the two 4-hour-old backups of the fixed server go')
        for (const id of badVolumes) assert.equal(simBackupsOf(b.sim, id).length, 1)
      }))
  }

  test('backup plan, expire and run exit 3 naming the server, key, value and what is accepted; 0 once the value is fixed', () =>
    withBackups(async (b) => {
      const bad = addProtectedServer(b.sim, b.projectId, 'retention-cli', { metadata: { __staffeln_retention: '3000y' } })
      const config = backupConfig({ full_backup_depth: 0, retention_time: '1h' })
      await runBackupCycle(b.deps(config), RUN)
      b.h.clock.advance(2 * HOUR)
      const cli = commandDeps(b, config)
      const opts = { json: false, allProjects: false, dryRun: false, db: b.storeUrl }
      const expected = [bad.server.id, '__staffeln_retention="3000y"', 'longer than 1000 years', 'accepted: <int><unit>']

      for (const command of [backupPlanCommand, backupExpireCommand, backupRunCommand]) {
        cli.lines.length = 0
        assert.equal(await command.run(opts, cli.deps), EXIT.partial, `${command.name}:\n${cli.lines.join('\n')}`)
        const problem = cli.lines.find((l) => l.startsWith('problem: '))
        for (const part of expected) assert.ok(problem?.includes(part), `${command.name} does not name ${part}:\n${cli.lines.join('\n')}`)
      }
      assert.equal(simBackupsOf(b.sim, bad.volumes[0]!.id).length, 2, 'backup expire deleted a held backup')

      bad.server.metadata.__staffeln_retention = '1h'
      b.h.clock.advance(2 * HOUR)
      assert.equal(await backupPlanCommand.run(opts, cli.deps), EXIT.ok)
      assert.equal(await backupExpireCommand.run(opts, cli.deps), EXIT.ok)
      assert.equal(simBackupsOf(b.sim, bad.volumes[0]!.id).length, 1, 'retention resumed once the value was fixed')
      await cli.deps.close()
    }))

  test('two workers on one database never start the same task and lose none', () =>
    withBackups(async (b) => {
      const { volumes } = addProtectedServer(b.sim, b.projectId, 'workers', { volumes: 8 })
      const config = backupConfig({ backup_workers: 1 }) // one worker loop per executeClaimed: the two interleave task by task
      const planned = await recordPlannedTasks(b.deps(config))
      assert.equal(planned.length, 8)
      assert.equal(callsOf(b.sim, BACKUP_ROUTES.create), 0)
      const second = await b.openSecondStore()

      const [one, two] = await Promise.all([
        executeClaimed(b.deps(config), 'swtest-J-worker-1'),
        executeClaimed(b.deps(config, { store: second }), 'swtest-J-worker-2'),
      ])

      const ids = [...one, ...two].map((r) => r.taskId)
      assert.equal(new Set(ids).size, 8, `tasks run: ${ids.join(', ')}`)
      assert.equal(ids.length, 8, 'a task ran twice')
      assert.ok(one.length > 0 && two.length > 0, `both workers claimed work (${one.length} + ${two.length})`)
      assert.ok([...one, ...two].every((r) => r.outcome === 'succeeded'), JSON.stringify([...one, ...two], null, 2))
      assert.equal(callsOf(b.sim, BACKUP_ROUTES.create), 8)
      for (const v of volumes) assert.equal(simBackupsOf(b.sim, v.id).length, 1, `volume ${v.id}`)
      assert.deepEqual(await b.store.openTasks(), [])
    }))

  test('a task re-claimed by another worker mid-run is left to it; the worker goes on with the other tasks', () =>
    withBackups(async (b) => {
      addProtectedServer(b.sim, b.projectId, 'reclaimed', { volumes: 3 })
      const config = backupConfig({ backup_workers: 1 })
      await recordPlannedTasks(b.deps(config))
      // The first task's lease runs out while its backup is being created and another worker takes
      // it: from then on every owner-checked change of that task by this worker is refused.
      let stolen: string | undefined
      let conflicts = 0
      const ownerChecked = new Set(['markStarted', 'renewLease', 'finishTask'])
      const store = new Proxy(b.store, {
        get(target, prop, receiver) {
          const v = Reflect.get(target, prop, receiver) as unknown
          if (typeof v !== 'function') return v
          if (typeof prop === 'string' && ownerChecked.has(prop)) {
            return async (taskId: string, ...rest: unknown[]) => {
              stolen ??= taskId
              if (taskId === stolen) {
                conflicts++
                throw new StoreConflictError(`task ${taskId} is owned by swtest-J-other now`)
              }
              return (v as (...a: unknown[]) => unknown).call(target, taskId, ...rest)
            }
          }
          return v.bind(target)
        },
      })
      const results = await executeClaimed(b.deps(config, { store }), 'swtest-J-worker')
      assert.ok(conflicts >= 1)
      assert.equal(results.length, 2, JSON.stringify(results))
      assert.ok(results.every((r) => r.taskId !== stolen))
      assert.ok(results.every((r) => r.outcome === 'succeeded'))
    }))

  test('a worker that died after sending a create leaves a task the next cycle adopts by name, without a second backup', () =>
    withBackups(async (b) => {
      const { volumes: [vol] } = addProtectedServer(b.sim, b.projectId, 'dead')
      const deps = b.deps(backupConfig({ backup_cycle_timeout: '5min' })) // lease: 10 min
      await recordPlannedTasks(deps)
      const [task] = await b.store.claimTasks('swtest-J-dead', 10, deps.clock.now(), 10 * MINUTE)
      assert.ok(task)
      const name = `swtest-J-dead-${task.id}`
      await b.store.recordIntent(task.id, 'swtest-J-dead', name)
      const sent = await b.client.cloud.createBackup({ volumeId: vol!.id, projectId: b.projectId, name, incremental: false, force: true })
      // ...and the worker dies before recording the answer.

      b.h.clock.advance(MINUTE)
      const whileHeld = await runBackupCycle(deps, RUN)
      assert.deepEqual(whileHeld.results, [], 'a task whose lease still runs is not taken over')
      assert.equal(whileHeld.plan.skipped[0]?.reason, 'open_task')

      b.h.clock.advance(10 * MINUTE)
      const r = succeeded(await runBackupCycle(deps, RUN))

      assert.equal(r.taskId, task.id)
      assert.equal(r.backupId, sent.id)
      assert.ok(r.steps.some((s) => s.startsWith(`adopted ${sent.id}`)), r.steps.join('\n'))
      assert.equal(callsOf(b.sim, BACKUP_ROUTES.create), 1, 'no second backup was sent')
      assert.deepEqual(simBackupsOf(b.sim, vol!.id).map((x) => x.id), [sent.id])
      const row = await b.store.getTask(task.id)
      assert.equal(row?.state, 'succeeded')
      assert.equal(row?.attempts, 2)
      assert.equal((await b.store.getBackup(sent.id))?.status, 'available')
    }))

  test('a started task of a dead worker is settled by the next cycle\'s listing: not sent again, not polled', () =>
    withBackups(async (b) => {
      const { volumes: [vol] } = addProtectedServer(b.sim, b.projectId, 'resume')
      b.sim.faults.stick('backup', 'creating')
      const deps = b.deps(backupConfig({ backup_cycle_timeout: '3h' }))
      await recordPlannedTasks(deps)
      const now = deps.clock.now()
      const [task] = await b.store.claimTasks('swtest-J-gone', 10, now, 2 * HOUR)
      assert.ok(task)
      await b.store.recordIntent(task.id, 'swtest-J-gone', `swtest-J-resume-${task.id}`)
      const sent = await b.client.cloud.createBackup({ volumeId: vol!.id, projectId: b.projectId, name: `swtest-J-resume-${task.id}`, incremental: false, force: true })
      await b.store.markStarted(task.id, 'swtest-J-gone', sent.id, now, new Date(now.getTime() + 3 * HOUR))

      b.h.clock.advance(2 * HOUR + MINUTE)
      b.sim.faults.unstick()
      const report = await runBackupCycle(deps, RUN)
      const r = report.results.find((x) => x.taskId === task.id)

      assert.equal(r?.outcome, 'succeeded', JSON.stringify(report.results, null, 2))
      assert.equal(r?.backupId, sent.id)
      assert.deepEqual(r?.steps, [`available: ${sent.id} (seen in the next cycle's listing)`])
      assert.equal((await b.store.getTask(task.id))?.attempts, 1, 'not claimed again')
      assert.equal((await b.store.getBackup(sent.id))?.status, 'available')
      assert.equal(callsOf(b.sim, BACKUP_ROUTES.get), 0, 'no GET of a backup')
      // This cycle backed the volume up again (it was free once its task was settled), as the next period would.
      assert.deepEqual(simBackupsOf(b.sim, vol!.id).map((x) => [x.id === sent.id, x.status]).sort(), [[false, 'available'], [true, 'available']])
    }))

  test('a backup stuck in creating is cancelled at its timeout and force-deleted; the task is cancelled and the row closed', () =>
    withBackups(async (b) => {
      const { volumes: [vol] } = addProtectedServer(b.sim, b.projectId, 'stuck')
      b.sim.faults.stick('backup', 'creating')
      const deps = b.deps(backupConfig({ backup_cycle_timeout: '2min' }))

      const r = only(await runBackupCycle(deps, RUN))

      assert.equal(r.outcome, 'cancelled', JSON.stringify(r, null, 2))
      assert.ok(r.steps.some((s) => /timed out after 120000 ms/.test(s)), r.steps.join('\n'))
      assert.ok(r.steps.some((s) => s === `force-deleted ${r.backupId}`), r.steps.join('\n'))
      const task = await b.store.getTask(r.taskId)
      assert.equal(task?.state, 'cancelled')
      assert.equal(task?.errorCode, 'OS_WAIT_TIMEOUT')
      assert.equal(task!.deadlineAt!.getTime() - task!.startedAt!.getTime(), 2 * MINUTE, 'the deadline is measured from the backup start')
      assert.ok((await b.store.getBackup(r.backupId!))?.deletedAt, 'the tracked backup row is closed')
      assert.equal(callsOf(b.sim, BACKUP_ROUTES.action), 1, 'one force-delete')
      assert.deepEqual(simBackupsOf(b.sim, vol!.id), [], 'nothing is left in Cinder')
    }))

  test('a timed-out backup that becomes deletable during the grace period is deleted, not force-deleted', () =>
    withBackups(async (b) => {
      const { volumes: [vol] } = addProtectedServer(b.sim, b.projectId, 'late')
      b.sim.faults.stick('backup', 'creating')
      const base = b.deps(backupConfig({ backup_cycle_timeout: '2min' }))
      const start = b.h.clock.now()
      const deps = b.deps(base.config, {
        sleep: async (ms) => {
          b.h.clock.advance(ms)
          if (b.h.clock.now() - start > 4 * MINUTE) b.sim.faults.unstick() // finishes late, after the timeout
        },
      })

      const r = only(await runBackupCycle(deps, RUN))

      assert.equal(r.outcome, 'cancelled', JSON.stringify(r, null, 2))
      assert.ok(r.steps.includes(`deleted ${r.backupId}`), r.steps.join('\n'))
      assert.equal(callsOf(b.sim, BACKUP_ROUTES.remove), 1)
      assert.equal(callsOf(b.sim, BACKUP_ROUTES.action), 0)
      assert.ok((await b.store.getBackup(r.backupId!))?.deletedAt)
      assert.deepEqual(simBackupsOf(b.sim, vol!.id), [])
    }))
})

describe('backup retention against the simulator', () => {
  /** Backups of one volume at one-hour steps, one cycle each; returns their ids oldest first. */
  async function chain(b: BackupHarness, name: string, depth: number, count: number): Promise<{ volumeId: string; ids: string[] }> {
    const { volumes: [vol] } = addProtectedServer(b.sim, b.projectId, name)
    const deps = b.deps(backupConfig({ full_backup_depth: depth }))
    const ids: string[] = []
    for (let i = 0; i < count; i++) {
      if (i > 0) b.h.clock.advance(HOUR)
      ids.push(succeeded(await runBackupCycle(deps, RUN)).backupId!)
    }
    return { volumeId: vol!.id, ids }
  }

  test('an expired chain is deleted children first, and the newer full stays', () =>
    withBackups(async (b) => {
      const { volumeId, ids } = await chain(b, 'expire', 2, 4)
      const [f1, i1, i2, f2] = ids
      assert.deepEqual(simBackupsOf(b.sim, volumeId).map(kindOf), ['full', 'incremental', 'incremental', 'full'])
      b.h.clock.advance(10 * MINUTE)
      const from = b.client.requests.length

      const report = await runRetentionCycle(b.deps(backupConfig({ retention_time: '1h' })), RUN)

      assert.deepEqual(report.deleted, [i2, i1, f1])
      assert.deepEqual(backupDeletes(b.client.requests.slice(from)), [i2, i1, f1], 'delete requests go children first')
      assert.deepEqual(report.failed, [])
      assert.deepEqual(simBackupsOf(b.sim, volumeId).map((x) => x.id), [f2])
      for (const id of [f1, i1, i2]) assert.ok((await b.store.getBackup(id!))?.deletedAt, `row of ${id} closed`)
      assert.equal((await b.store.getBackup(f2!))?.deletedAt, undefined)
    }))

  test('keep_count and keep_tiers from the config keep backups past retention_time, with their chain', () =>
    withBackups(async (b) => {
      const { volumeId, ids } = await chain(b, 'tiers', 2, 4)
      const [f1, i1, i2, f2] = ids
      b.h.clock.advance(10 * MINUTE)
      // Every backup is older than 1h; keep_tiers.last 2 keeps f2 and i2, and i2 keeps i1 and f1 (its chain).
      const report = await runRetentionCycle(b.deps(backupConfig({ retention_time: '1h', keep_tiers: { last: 2 } })), RUN)
      assert.deepEqual(report.deleted, [])
      assert.deepEqual(simBackupsOf(b.sim, volumeId).map((x) => x.id), [f1, i1, i2, f2])
      // keep_count 1 keeps only the newest full: the older chain goes, children first.
      const counted = await runRetentionCycle(b.deps(backupConfig({ retention_time: '1h', keep_count: 1 })), RUN)
      assert.deepEqual(counted.deleted, [i2, i1, f1])
    }))

  test('when deletes take time (as in Cinder), a parent is not sent a delete while its child is still deleting', () =>
    withBackups(
      async (b) => {
        // transitionMs: creates and deletes finish 2 s after they start, not at the next request.
        const { volumeId, ids } = await chain(b, 'slow-delete', 2, 4)
        const [f1, i1, i2, f2] = ids
        b.h.clock.advance(10 * MINUTE)
        const from = b.client.requests.length

        const report = await runRetentionCycle(b.deps(backupConfig({ retention_time: '1h' })), RUN)

        assert.deepEqual(report.failed, [], 'Cinder refused a delete (Incremental backups exist for this backup)')
        assert.deepEqual(report.deleted, [i2, i1, f1])
        assert.deepEqual(backupDeletes(b.client.requests.slice(from)), [i2, i1, f1])
        b.h.clock.advance(MINUTE)
        assert.deepEqual(simBackupsOf(b.sim, volumeId).map((x) => x.id), [f2])
      },
      { transitionMs: 2_000 },
    ))

  test('a kept incremental keeps its expired parent', () =>
    withBackups(async (b) => {
      const { volumeId, ids } = await chain(b, 'keep-parent', 1, 3)
      const [f1, i1] = ids
      b.h.clock.advance(10 * MINUTE)
      const from = b.client.requests.length

      const report = await runRetentionCycle(b.deps(backupConfig({ retention_time: '80min' })), RUN)

      assert.deepEqual(report.deleted, [])
      assert.deepEqual(backupDeletes(b.client.requests.slice(from)), [])
      const kept = report.perVolume.find((v) => v.volumeId === volumeId)?.result.keep.find((k) => k.backup.id === f1)
      assert.deepEqual(kept?.reasons, [`parent of kept incremental ${i1}`])
      assert.equal(simBackupsOf(b.sim, volumeId).length, 3)
    }))

  test('a parent is not sent for deletion while its incremental is still deleting, and nothing is retried in a loop', () =>
    withBackups(async (b) => {
      const { volumeId, ids } = await chain(b, 'refused', 1, 3)
      const [f1, i1, f2] = ids
      b.sim.faults.stick('backup', 'deleting', i1) // the child's delete is accepted but does not finish
      b.h.clock.advance(10 * MINUTE)
      const deps = b.deps(backupConfig({ retention_time: '1h' }))

      let from = b.client.requests.length
      const first = await runRetentionCycle(deps, RUN)
      assert.deepEqual(backupDeletes(b.client.requests.slice(from)), [i1], 'the parent is not sent while its child is still deleting')
      assert.deepEqual(first.deleted, [])
      assert.equal(first.failed.length, 1)
      assert.equal(first.failed[0]!.backupId, i1)
      assert.equal(first.failed[0]!.code, 'OS_WAIT_TIMEOUT')
      // The webhook names the volume and project of the backup whose delete did not finish.
      const [item] = retentionCycleFailures(first).failed
      assert.deepEqual([item?.action, item?.backupId, item?.volumeId, item?.projectId], ['delete-backup', i1, volumeId, b.projectId])

      b.h.clock.advance(20 * MINUTE)
      from = b.client.requests.length
      const second = await runRetentionCycle(deps, RUN)
      assert.deepEqual(backupDeletes(b.client.requests.slice(from)), [], 'the parent waits while its child is still deleting')
      assert.deepEqual(second.failed, [])
      const kept = second.perVolume[0]?.result.keep.find((k) => k.backup.id === f1)
      assert.match(kept?.reasons.join('; ') ?? '', /still deleting/)

      b.sim.faults.unstick()
      b.h.clock.advance(20 * MINUTE)
      const third = await runRetentionCycle(deps, RUN)
      assert.deepEqual(third.deleted, [f1])
      assert.deepEqual(simBackupsOf(b.sim, volumeId).map((x) => x.id), [f2])
    }))

  test('a tracked backup newer than the listing is not taken for deleted outside (a concurrent backup cycle made it)', () =>
    withBackups(async (b) => {
      const { volumeId } = await chain(b, 'concurrent', 2, 1)
      const deps = b.deps()
      await b.store.recordBackup({
        backupId: 'swtest-J-made-after-listing',
        volumeId,
        projectId: b.projectId,
        kind: 'full',
        status: 'creating',
        createdAt: new Date(deps.clock.now().getTime() + MINUTE),
      })
      const report = await runRetentionCycle(deps, RUN)
      assert.equal(report.closedRows, 0)
      assert.equal((await b.store.getBackup('swtest-J-made-after-listing'))?.deletedAt, undefined)
    }))

  test('a backup deleted outside Snapwarden closes its row', () =>
    withBackups(async (b) => {
      const { volumeId, ids: [id] } = await chain(b, 'outside', 2, 1)
      const gone = b.sim.state.backups.get(id!)
      assert.ok(gone)
      b.sim.state.removeResource(gone)
      b.h.clock.advance(MINUTE)
      const deps = b.deps()

      const report = await runRetentionCycle(deps, RUN)

      assert.equal(report.closedRows, 1)
      assert.equal((await b.store.getBackup(id!))?.deletedAt?.getTime(), report.now.getTime())
      assert.deepEqual(await b.store.listBackups({ volumeId }), [])
      assert.equal((await runRetentionCycle(deps, RUN)).closedRows, 0, 'a closed row is closed once')
    }))
})

// Issue 7 (Trust): lost answers with --all-projects, leases, worker loops, overlapping runs, a
// graceful stop, and the store's history.
/** `target` with its method `name` run through `around` (every other member bound to `target`, private fields included). */
function told<T extends object>(target: T, name: keyof T & string, around: (call: () => Promise<unknown>, args: unknown[]) => Promise<unknown>): T {
  return new Proxy(target, {
    get(t, prop) {
      const value: unknown = Reflect.get(t, prop, t)
      if (typeof value !== 'function') return value
      const fn = value as (...args: unknown[]) => Promise<unknown>
      if (prop === name) return (...args: unknown[]) => around(() => fn.apply(t, args), args)
      return fn.bind(t)
    },
  })
}

describe('backup tasks against the simulator: lost answers, leases, overlapping runs and stops', () => {
  const ALL: BackupCycleOptions = { allProjects: true }

  /** Every target got exactly one backup from this cycle, and no create was sent twice. */
  function oneBackupEach(b: BackupHarness, report: BackupCycleReport): void {
    assert.ok(report.results.length > 0)
    assert.ok(report.results.every((r) => r.outcome === 'succeeded'), JSON.stringify(report.results, null, 2))
    assert.equal(callsOf(b.sim, BACKUP_ROUTES.create), report.results.length, 'a create was sent twice')
    for (const r of report.results) assert.deepEqual(simBackupsOf(b.sim, r.volumeId).map((x) => x.id), [r.backupId], `volume ${r.volumeId}`)
  }

  test('with --all-projects, the tokens of every project that gets a backup are asked for at once, before the first create waits for one', () =>
    withBackups(async (b) => {
      const { demo } = projectIds(b.sim)
      const other = b.sim.state.identity.addProject({ name: 'swtest-J-third' }).id
      const admin = [...b.sim.state.identity.users.values()].find((u) => u.name === 'admin')!
      b.sim.state.identity.grant(admin.id, other, 'member')
      b.sim.state.identity.grant(admin.id, demo, 'member')
      addProtectedServer(b.sim, demo, 'tok-demo')
      addProtectedServer(b.sim, other, 'tok-third')
      // On the simulator's clock, so the admin's own token stays valid while the scoped ones are held.
      const conn = await connect(simulatorCloudConfig(b.sim, 'admin'), { clock: manualTime(b.h.clock).clock })
      b.h.conns.push(conn)
      const cloud = new OpenStackCloud(conn, projectScopedConnector(conn))
      const TOKENS = 'POST /identity/v3/auth/tokens'
      const before = callsOf(b.sim, TOKENS)
      // Every scoped token request is held until the test lets them go; one create at a time.
      let release: () => void = () => {}
      const held = new Promise<void>((r) => (release = r))
      const remove = b.sim.faults.add({ route: TOKENS, action: { kind: 'latency', ms: 0, until: held } })
      try {
        const running = runBackupCycle(b.deps(backupConfig({ backup_workers: 1 }), { cloud }), ALL)
        // Bounded: a few hundred turns of the event loop are plenty for the planning and the requests.
        for (let i = 0; i < 500 && callsOf(b.sim, TOKENS) - before < 2; i++) await new Promise((r) => setImmediate(r))
        const askedAtOnce = callsOf(b.sim, TOKENS) - before
        assert.equal(callsOf(b.sim, BACKUP_ROUTES.create), 0, 'no create before its token')
        release()
        const report = await running
        assert.equal(askedAtOnce, 2, 'both projects\' tokens asked for while the first create waits')
        oneBackupEach(b, report)
        assert.equal(callsOf(b.sim, TOKENS) - before, 2, 'one token per project, as before')
      } finally {
        remove()
        release()
      }
    }))

  test('the first create is sent while the later tasks are still being recorded (tasks recorded a chunk at a time), one backup each', () =>
    withBackups(async (b) => {
      addProtectedServer(b.sim, b.projectId, 'chunks', { volumes: 5 })
      const events: string[] = []
      const deps = b.deps(backupConfig({ backup_workers: 1 }))
      // The real store and cloud, telling what happens when (a wrapper, not a stand-in).
      const store = told(deps.store, 'planTasks', async (call, [tasks]) => {
        events.push(`record ${(tasks as unknown[]).length}`)
        const r = await call()
        events.push('recorded')
        return r
      })
      const cloud = told(deps.cloud, 'createBackup', (call) => {
        events.push('create')
        return call()
      })
      const report = await runBackupCycle({ ...deps, store, cloud }, RUN)
      assert.deepEqual(events.filter((e) => e.startsWith('record ')), ['record 2', 'record 3'], 'a first chunk of 2 × backup_workers, then the rest')
      assert.ok(events.indexOf('create') < events.lastIndexOf('recorded'), `a create before the last chunk was recorded: ${events.join(', ')}`)
      assert.equal(report.planned, 5)
      assert.ok(report.results.every((r) => r.outcome === 'succeeded'), JSON.stringify(report.results, null, 2))
      assert.equal(callsOf(b.sim, BACKUP_ROUTES.create), 5)
      for (const r of report.results) assert.deepEqual(simBackupsOf(b.sim, r.volumeId).map((x) => x.id), [r.backupId])
    }))

  test('workers that find nothing to claim while tasks are still being recorded wait for them instead of ending', () =>
    withBackups(async (b) => {
      addProtectedServer(b.sim, b.projectId, 'feed', { volumes: 3 })
      const deps = b.deps(backupConfig({ backup_workers: 2 }))
      const report = await runBackupCycle(deps, { ...RUN, planOnly: true })
      const cycleId = randomUUID()
      const tasks = report.plan.tasks.map((t) => ({ cycleId, projectId: t.projectId, serverId: t.serverId, serverName: 'feed', volumeId: t.volumeId, volumeName: '', kind: t.kind, plannedAt: report.now }))
      const feed = new TaskRecording()
      // Nothing recorded yet when the workers first claim: the first chunk comes a few turns later.
      const running = executeClaimed(deps, 'swtest-J-feed', undefined, { feed })
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r))
      await feed.record(deps.store, tasks, {}, { firstChunk: 1, chunk: 1 })
      const results = await running
      assert.equal(results.length, 3, JSON.stringify(results, null, 2))
      assert.ok(results.every((r) => r.outcome === 'succeeded'))
      assert.equal(callsOf(b.sim, BACKUP_ROUTES.create), 3)
    }))

  test("with --all-projects, a lost answer to POST /backups leaves one backup, in the volume's project", () =>
    withBackups(async (b) => {
      const { demo } = projectIds(b.sim)
      const { volumes: [vol] } = addProtectedServer(b.sim, demo, 'lost-all')
      const cloud = await scopedAdminCloud(b.h, { roleIn: demo })
      b.sim.faults.loseResponse(BACKUP_ROUTES.create, 1) // Cinder makes the backup; the answer never comes back

      const report = await runBackupCycle(b.deps(backupConfig(), { cloud }), ALL)

      oneBackupEach(b, report)
      assert.ok(report.results.some((r) => r.volumeId === vol!.id))
      for (const r of report.results) assert.equal(b.sim.state.backups.get(r.backupId!)?.projectId, demo, 'created with the scoped token')
    }))

  test("with --all-projects and no role in the volume's project, a lost answer still leaves one backup (in the admin's project)", () =>
    withBackups(async (b) => {
      const { demo } = projectIds(b.sim)
      addProtectedServer(b.sim, demo, 'lost-fallback')
      const cloud = await scopedAdminCloud(b.h)
      b.sim.faults.loseResponse(BACKUP_ROUTES.create, 1)

      const report = await runBackupCycle(b.deps(backupConfig(), { cloud }), ALL)

      oneBackupEach(b, report)
      for (const r of report.results) assert.equal(b.sim.state.backups.get(r.backupId!)?.projectId, b.projectId)
    }))

  test("with --all-projects, a task re-claimed after its worker died is adopted from the volume's project, not sent again", () =>
    withBackups(async (b) => {
      const { demo } = projectIds(b.sim)
      const { volumes: [vol] } = addProtectedServer(b.sim, demo, 'dead-all')
      const cloud = await scopedAdminCloud(b.h, { roleIn: demo })
      const deps = b.deps(backupConfig({ backup_cycle_timeout: '5min' }), { cloud }) // lease: 10 min
      await recordPlannedTasks(deps, { allProjects: true })
      const tasks = await b.store.claimTasks('swtest-J-dead', 10, deps.clock.now(), 10 * MINUTE)
      const task = tasks.find((t) => t.volumeId === vol!.id)
      assert.ok(task)
      const name = `swtest-J-dead-${task.id}`
      await b.store.recordIntent(task.id, 'swtest-J-dead', name)
      // The dead worker's create went through its scoped token, into the volume's project.
      const sent = await cloud.createBackup({ volumeId: vol!.id, projectId: demo, name, incremental: false, force: true })
      assert.equal(b.sim.state.backups.get(sent.id)?.projectId, demo)

      b.h.clock.advance(11 * MINUTE)
      const report = await runBackupCycle(deps, ALL)

      const r = report.results.find((x) => x.taskId === task.id)
      assert.equal(r?.outcome, 'succeeded', JSON.stringify(report.results, null, 2))
      assert.equal(r?.backupId, sent.id)
      assert.ok(r?.steps.some((s) => s.startsWith(`adopted ${sent.id}`)), r?.steps.join('\n'))
      assert.deepEqual(simBackupsOf(b.sim, vol!.id).map((x) => x.id), [sent.id], 'no second backup was made')
    }))

  test('a slot is free once Cinder answered the create: with one slot per project, the second create is sent while the first backup is still creating', () =>
    withBackups(async (b) => {
      const { volumes } = addProtectedServer(b.sim, b.projectId, 'slot-free', { volumes: 2 })
      const config = backupConfig({ backup_workers: 2, backup_cycle_timeout: '5min' }) // one slot per project
      await recordPlannedTasks(b.deps(config))
      b.sim.faults.stick('backup', 'creating')
      const start = b.h.clock.now()
      const seenAtCreate: string[][] = []
      const sleep = async (ms: number, signal?: AbortSignal): Promise<void> => {
        signal?.throwIfAborted()
        b.h.clock.advance(ms)
        if (b.h.clock.now() - start >= MINUTE) b.sim.faults.unstick()
      }
      const ours = new Set(volumes.map((v) => v.id))
      const cloud = beforeCreateBackup(b.client.cloud, () => {
        b.sim.state.settle()
        seenAtCreate.push(b.sim.state.backups.list().filter((x) => ours.has(x.volumeId)).map((x) => x.status))
      })

      const results = await executeClaimed(b.deps(config, { cloud, sleep }), 'swtest-J-daemon')

      assert.deepEqual(seenAtCreate, [[], ['creating']], 'the second create was sent while the first backup was creating (its slot was not held)')
      assert.deepEqual(results.map((r) => r.outcome), ['succeeded', 'succeeded'])
      assert.deepEqual(volumes.map((v) => simBackupsOf(b.sim, v.id).map((x) => x.status)), [['available'], ['available']])
      assert.equal(callsOf(b.sim, BACKUP_ROUTES.get), 0, 'followed by listing, never a GET per backup')
    }))

  test('a worker whose lease ran out while it waited for a slot does not send its create; the worker that took the task over has it', () =>
    withBackups(async (b) => {
      addProtectedServer(b.sim, b.projectId, 'paused', { volumes: 2 })
      const config = backupConfig({ backup_workers: 2, backup_cycle_timeout: '5min' }) // one slot per project; lease 10 min
      await recordPlannedTasks(b.deps(config))
      b.sim.faults.stick('backup', 'creating')
      // The first create is refused once (503): its worker holds the project's one slot through the
      // retry's back-off, and the other task waits for that slot meanwhile.
      b.sim.faults.add({ route: BACKUP_ROUTES.create, action: { kind: 'status', status: 503 }, times: 1 })
      const rival = await b.openSecondStore()
      let rivalClaimed: string[] | undefined
      const sleep = async (ms: number, signal?: AbortSignal): Promise<void> => {
        signal?.throwIfAborted()
        if (rivalClaimed !== undefined) return b.h.clock.advance(ms)
        // The daemon is paused for 11 minutes (a stalled VM) in that back-off: every lease it holds
        // runs out, and another daemon takes both tasks over.
        b.h.clock.advance(ms + 11 * MINUTE)
        rivalClaimed = (await rival.claimTasks('swtest-J-rival', 10, new Date(b.h.clock.now()), 10 * MINUTE)).map((t) => t.id)
      }

      const results = await executeClaimed(b.deps(config, { sleep }), 'swtest-J-daemon')

      assert.equal(rivalClaimed?.length, 2, 'both leases ran out during the pause')
      assert.deepEqual(results, [], 'both tasks are the rival daemon\'s now')
      assert.equal(callsOf(b.sim, BACKUP_ROUTES.create), 1, 'only the create refused before the pause: neither the retry nor the task that waited for the slot was sent')
      assert.deepEqual((await b.store.openTasks()).map((t) => t.owner), ['swtest-J-rival', 'swtest-J-rival'])
    }))

  test('a slot is freed once the create is answered: the next create goes out while the answer is recorded', () =>
    withBackups(async (b) => {
      addProtectedServer(b.sim, b.projectId, 'freed', { volumes: 2 })
      const config = backupConfig({ backup_workers: 2 }) // one slot per project
      await recordPlannedTasks(b.deps(config))
      // The first task's markStarted (the answer's record) is held until the test lets it go.
      let release: () => void = () => {}
      const gate = new Promise<void>((resolve) => (release = resolve))
      let heldStarts = 0
      const store = told(b.store, 'markStarted', async (call) => {
        if (++heldStarts === 1) await gate
        return call()
      })
      const job = executeClaimed(b.deps(config, { store }), 'swtest-J-daemon')
      // Bounded: a few hundred turns of the event loop are plenty for two creates.
      for (let i = 0; i < 500 && callsOf(b.sim, BACKUP_ROUTES.create) < 2; i++) await new Promise<void>((resolve) => setImmediate(resolve))
      assert.equal(callsOf(b.sim, BACKUP_ROUTES.create), 2, 'the second create waited for the first answer to be recorded')
      release()

      const results = await job
      assert.deepEqual(results.map((r) => r.outcome), ['succeeded', 'succeeded'])
      assert.equal((await b.store.listBackups()).length, 2, "both backups are tracked")
    }))

  test("one worker loop's store error stops the other loops, and the job ends only when all have stopped", () =>
    withBackups(async (b) => {
      addProtectedServer(b.sim, b.projectId, 'loops', { volumes: 2 })
      const config = backupConfig({ backup_workers: 4 }) // two slots in the project: both tasks run at once
      await recordPlannedTasks(b.deps(config))
      let gateOpen: () => void = () => {}
      const gate = new Promise<void>((resolve) => (gateOpen = resolve))
      let failed: () => void = () => {}
      const failedOnce = new Promise<void>((resolve) => (failed = resolve))
      // The first create is held until the test lets it go; meanwhile the store goes away for the
      // other loop: the write of the second task's intent (with its lease check) fails, and so does
      // every store call after it.
      let confirms = 0
      let down = false
      const unavailable = () => new StoreUnavailableError('store swtest-J unavailable: connection reset')
      let reached: () => void = () => {}
      const atGate = new Promise<void>((resolve) => (reached = resolve))
      const store = new Proxy(b.store, {
        get(target, prop, receiver) {
          const v = Reflect.get(target, prop, receiver) as unknown
          if (typeof v !== 'function') return v
          const call = (args: unknown[]) => (v as (...a: unknown[]) => Promise<unknown>).apply(target, args)
          if (prop === 'confirmLease') {
            return async (...args: unknown[]) => {
              if (++confirms === 1) return call(args)
              await atGate
              down = true
              failed()
              throw unavailable()
            }
          }
          return async (...args: unknown[]) => {
            if (down) throw unavailable()
            return call(args)
          }
        },
      })
      let creates = 0
      const cloud = beforeCreateBackup(b.client.cloud, () => {
        if (++creates !== 1) return undefined
        reached()
        return gate
      })

      let settled = false
      const job = executeClaimed(b.deps(config, { store, cloud }), 'swtest-J-daemon')
      job.then(
        () => (settled = true),
        () => (settled = true),
      )
      await failedOnce
      for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve))
      assert.equal(settled, false, 'the job ended while another worker loop was still running')
      gateOpen()

      await assert.rejects(job, { code: 'STORE_UNAVAILABLE' })
      // Cinder calls only: a cancelled caller may leave the client's shared token request to finish.
      const cinderCalls = () => b.client.requests.filter((r) => new URL(r.url).pathname.startsWith('/volume/')).length
      const before = cinderCalls()
      for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve))
      assert.equal(cinderCalls(), before, 'a loop went on after the job ended')
      assert.equal(callsOf(b.sim, BACKUP_ROUTES.create), 0, 'the held create was cancelled, not sent')
    }))

  test('two backup runs overlapping on one store make one backup per volume when the later one reads its quota slowly', () => {
    // The simulator's latency `sleep`: the first quota read is held until the test releases it.
    let arrived: () => void = () => {}
    const held = new Promise<void>((resolve) => (arrived = resolve))
    let release: () => void = () => {}
    const released = new Promise<void>((resolve) => (release = resolve))
    return withBackups(
      async (b) => {
        const { volumes } = addProtectedServer(b.sim, b.projectId, 'overlap', { volumes: 3 })
        b.sim.faults.add({ route: 'GET /volume/v3/{project_id}/os-quota-sets/{target_project_id}', action: { kind: 'latency', ms: 1 }, times: 1 })
        const second = await b.openSecondStore()

        const slow = runBackupCycle(b.deps(backupConfig(), { store: second }), RUN)
        await held // the slow run has listed (no backups yet) and waits for its quota
        const fast = await runBackupCycle(b.deps(), RUN)
        assert.deepEqual(fast.results.map((r) => r.outcome), ['succeeded', 'succeeded', 'succeeded'])
        release()
        const late = await slow

        assert.equal(late.plan.tasks.length, 3, 'the slow run planned from its (old) listing')
        assert.equal(late.planned, 0, 'the store refused tasks for volumes backed up after that listing')
        assert.deepEqual(late.results, [])
        assert.equal(callsOf(b.sim, BACKUP_ROUTES.create), 3)
        for (const v of volumes) assert.equal(simBackupsOf(b.sim, v.id).length, 1, `volume ${v.id}`)
      },
      {
        sleep: async () => {
          arrived()
          await released
        },
      },
    )
  })

  test('a graceful stop records the backups that finished, leaves the one still creating in flight for the next cycle, and releases the task it never sent', () =>
    withBackups(async (b) => {
      const { volumes } = addProtectedServer(b.sim, b.projectId, 'stop', { volumes: 3 })
      const config = backupConfig({ backup_workers: 2, backup_cycle_timeout: '30min' }) // one slot in the project: one create at a time
      await recordPlannedTasks(b.deps(config))
      const stop = new AbortController()
      let creates = 0
      // The first backup is available at once; the second stays creating, and SIGTERM comes as its create is answered.
      const cloud = new Proxy(b.client.cloud, {
        get(target, prop, receiver) {
          if (prop === 'createBackup') {
            return async (...args: Parameters<typeof target.createBackup>) => {
              const made = await target.createBackup(...args)
              if (++creates === 2) {
                b.sim.faults.stick('backup', 'creating', made.id)
                stop.abort(new Error('SIGTERM: grace period over'))
              }
              return made
            }
          }
          const value: unknown = Reflect.get(target, prop, receiver)
          return typeof value === 'function' ? (value as (...x: unknown[]) => unknown).bind(target) : value
        },
      })

      await assert.rejects(executeClaimed(b.deps(config, { cloud }), 'swtest-J-daemon', stop.signal), { code: 'EXEC_CANCELLED' })

      const finished = await b.store.tasksForReport()
      assert.deepEqual(finished.map((t) => t.state), ['succeeded'], 'the backup that became available is recorded')
      assert.equal((await b.store.getBackup(finished[0]!.backupId!))?.status, 'available')
      const open = await b.store.openTasks()
      const inFlight = open.filter((t) => t.state === 'started')
      assert.equal(inFlight.length, 1)
      assert.ok(inFlight[0]!.owner?.startsWith('swtest-J-daemon/'), 'in flight under the owner that sent it')
      assert.deepEqual(inFlight[0]!.leaseExpiresAt, inFlight[0]!.deadlineAt, 'left in flight until its deadline (the next listing settles it)')
      const notSent = open.filter((t) => t.state === 'planned')
      assert.deepEqual(notSent.map((t) => [t.owner, t.leaseExpiresAt]), [[undefined, undefined]], 'the unsent task is released')
      const now = new Date(b.h.clock.now())
      assert.deepEqual((await b.store.claimTasks('swtest-J-restarted', 10, now, 10 * MINUTE)).map((t) => t.id), [notSent[0]!.id], 'claimable at once; the one in flight is not')
      assert.equal(callsOf(b.sim, BACKUP_ROUTES.create), 2)
      assert.equal(volumes.length, 3)
    }))

  test('backup and retention cycles are recorded as runs, and db status shows them', () =>
    withBackups(async (b) => {
      addProtectedServer(b.sim, b.projectId, 'runs')
      addProtectedServer(b.sim, b.projectId, 'runs-over-quota')
      b.sim.state.setQuota(b.projectId, { backups: 1 }) // one of the two is over quota: the run is partial
      const deps = b.deps()
      const cycle = await runBackupCycle(deps, RUN)
      assert.equal(cycle.plan.overQuota.length, 1)
      await runBackupCycle(deps, { ...RUN, dryRun: true })
      b.h.clock.advance(MINUTE)
      await runRetentionCycle(deps, RUN)

      const runs = await b.store.lastRuns(10)
      assert.deepEqual(runs.map((r) => [r.kind, r.exitStatus]), [['retention', 0], ['backup-cycle', 3]], 'a dry run is not recorded')
      assert.equal(runs[1]!.summary['succeeded'], 1)
      assert.equal(runs[1]!.summary['over_quota'], 1)
      assert.deepEqual(runs.map((r) => r.finishedAt?.getTime()), [b.h.clock.now(), runs[1]!.finishedAt?.getTime()])

      const cli = await runCli(['db', 'status', '--db', b.storeUrl])
      assert.equal(cli.code, 0, describeRun(cli))
      const lines = cli.stdout.split('\n')
      const retention = lines.find((l) => /\bretention\b/.test(l))
      const backup = lines.find((l) => /\bbackup-cycle\b/.test(l))
      assert.match(retention ?? '', /\bok\b.*deleted=0/, cli.stdout)
      assert.match(backup ?? '', /partial \(3\).*succeeded=1 over_quota=1/, cli.stdout)
      assert.ok(lines.indexOf(retention!) < lines.indexOf(backup!), 'newest first')
    }))

  test('the retention cycle prunes finished task rows older than conductor.task_history', () =>
    withBackups(async (b) => {
      const { volumes: [vol] } = addProtectedServer(b.sim, b.projectId, 'history')
      const config = backupConfig({ task_history: '7d', full_backup_depth: 0 })
      const old = succeeded(await runBackupCycle(b.deps(config), RUN))
      b.h.clock.advance(7 * 24 * HOUR + MINUTE)
      const recent = succeeded(await runBackupCycle(b.deps(config), RUN))
      await b.store.planTasks([{ cycleId: 'swtest-J-open', projectId: b.projectId, serverId: 's', serverName: 's', volumeId: 'swtest-J-other', volumeName: '', kind: 'full', plannedAt: new Date(0) }])

      const report = await runRetentionCycle(b.deps(config), RUN)

      assert.deepEqual(report.pruned, { tasks: 1, runs: 1 })
      assert.equal(await b.store.getTask(old.taskId), undefined, 'the task finished over 7 days ago is gone')
      assert.equal((await b.store.getTask(recent.taskId))?.state, 'succeeded')
      assert.deepEqual((await b.store.openTasks()).map((t) => t.volumeId), ['swtest-J-other'], 'open tasks are never pruned')
      assert.ok(await b.store.getBackup(old.backupId!), 'the tracked backup rows stay')
      assert.equal(simBackupsOf(b.sim, vol!.id).length, 2)
    }))
})
