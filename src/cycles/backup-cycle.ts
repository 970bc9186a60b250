/**
 * The backup conductor (Staffeln's job): one backup cycle (retention is in retention-cycle.ts). It reads `now`
 * once, lists servers, volumes and backups once per scope, plans with pure functions, records
 * tasks in the store, and lets the executor run what it claimed.
 */
import { randomUUID } from 'node:crypto'
import { toErrorInfo } from '../domain/errors.ts'
import type { BlockStorageQuota } from '../domain/inventory.ts'
import type { BackupTask as StoredTask } from '../domain/store-port.ts'
import { CancelledError } from '../executor/errors.ts'
import { DEFAULT_POLL_SCHEDULE, recentBackupsPoller } from '../executor/poll-by-listing.ts'
import { Pool } from '../executor/pool.ts'
import { backupRunShared, startBackupTask, type BackupTaskResult } from '../executor/run-backup-tasks.ts'
import { WaitingLeases } from '../executor/waiting-leases.ts'
import { BACKUP_DESCRIPTION, BACKUP_MARKS } from '../planner/backup-marks.ts'
import { backupName, planBackups } from '../planner/backup-plan.ts'
import { backupInventory, workerId, type BackupCycleDeps, type BackupCycleOptions, type BackupCycleReport } from './backup-inventory.ts'
import { readWithRetry } from './cloud-reads.ts'
import { recordedRun } from './run-record.ts'
import { settleInFlight } from './settle-in-flight.ts'
import { TaskRecording, type TaskFeed } from './task-recording.ts'

export async function runBackupCycle(deps: BackupCycleDeps, opts: BackupCycleOptions): Promise<BackupCycleReport> {
  if (opts.planOnly || opts.dryRun) return backupCycle(deps, opts)
  return recordedRun(deps, 'backup-cycle', () => backupCycle(deps, opts), (r) => {
    const counts = outcomeCounts(r.results)
    const overQuota = (counts['over_quota'] ?? 0) + r.plan.overQuota.length
    const summary = { targets: r.discovery.targets.length, planned: r.planned, ...counts, ...(overQuota ? { over_quota: overQuota } : {}), problems: r.discovery.problems.length }
    return { failed: r.results.filter(failedResult).length + r.plan.overQuota.length + r.discovery.problems.length, summary }
  })
}

/**
 * The daemon's run on a daemon that is not the planner: only claims and runs tasks, recorded as
 * `backup-execute`. It never lists, so it settles nothing and claims only planned tasks: started ones
 * (in flight, or of a dead worker) are the planner's, whose listing settles them first.
 */
export function runClaimedRecorded(deps: BackupCycleDeps, owner: string, signal?: AbortSignal, opts: { readonly wait?: boolean } = {}): Promise<BackupTaskResult[]> {
  return recordedRun(deps, 'backup-execute', () => executeClaimed(deps, owner, signal, { ...opts, plannedOnly: true }), (results) => ({
    failed: results.filter(failedResult).length,
    summary: outcomeCounts(results),
  }))
}

/** A result that counts as a failure: finished, and not succeeded (one left in flight is neither). */
export const failedResult = (r: BackupTaskResult): boolean => r.outcome !== 'succeeded' && r.outcome !== 'in_flight'

function outcomeCounts(results: readonly BackupTaskResult[]): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const r of results) counts[r.outcome] = (counts[r.outcome] ?? 0) + 1
  return counts
}

async function backupCycle(deps: BackupCycleDeps, opts: BackupCycleOptions): Promise<BackupCycleReport> {
  const c = deps.config.conductor
  const { now, scope, servers, volumes, backups, discovery } = await backupInventory(deps, opts)
  for (const p of discovery.problems) deps.logger.warn({ serverId: p.serverId, key: p.key, value: p.value }, p.message)
  const projects = [...new Set(discovery.targets.map((t) => t.projectId))]
  // The tokens of the projects that will get a backup are asked for while their quotas are read
  // (not after planning: creates would then wait for them), those with the most volumes first:
  // their tasks are the likeliest among the first claimed.
  if (!opts.planOnly && !opts.dryRun) deps.cloud.prepareProjects?.(byTargetCount(discovery.targets), opts.signal)
  const quotas = await Promise.all(projects.map((p) => quotaOrUndefined(deps, p, opts.signal)))
  // Backups an earlier (daemon) cycle left in flight: this listing says how they ended.
  const settled = opts.planOnly || opts.dryRun
    ? []
    : await settleInFlight(deps, { listedAt: now, backups, projectIds: scope.allProjects ? undefined : new Set([scope.projectId]), openTasks: await deps.store.openTasks() })
  const openTasks = await deps.store.openTasks()
  const plan = planBackups({
    targets: discovery.targets,
    backups,
    openTasks,
    quotas: quotas.filter((q): q is BlockStorageQuota => q !== undefined),
    settings: { fullBackupDepth: c.full_backup_depth, backupMinIntervalMs: c.backup_min_interval * 1000 },
    now,
  })
  if (opts.planOnly || opts.dryRun) return { now, discovery, plan, planned: 0, results: [] }

  const cycleId = randomUUID()
  const byVolume = new Map(volumes.map((v) => [v.id, v]))
  const byServer = new Map(servers.map((s) => [s.id, s]))
  const newTask = (t: (typeof plan.tasks)[number]) => ({
    cycleId,
    projectId: t.projectId,
    serverId: t.serverId,
    serverName: byServer.get(t.serverId)?.name ?? t.serverId,
    volumeId: t.volumeId,
    volumeName: byVolume.get(t.volumeId)?.name ?? '',
    kind: t.kind,
    plannedAt: now,
  })
  // Re-checked by the store against tasks another run finished since our listing (overlapping runs).
  // Ids given here, recorded in the order tasks are claimed in (planned_at, then id). Their
  // projects' tokens were asked for above, with the quotas.
  const toPlan = plan.tasks.map((t) => ({ ...newTask(t), id: randomUUID() })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  const owner = opts.owner ?? workerId()
  // Recorded a chunk at a time in claim order (task-recording.ts): the workers claim and send the
  // first chunk's tasks while the others are recorded. A recording that fails stops the workers.
  const run = new AbortController()
  const onAbort = (): void => run.abort(opts.signal?.reason)
  if (opts.signal?.aborted) onAbort()
  else opts.signal?.addEventListener('abort', onAbort, { once: true })
  const feed = new TaskRecording()
  let recordFailure: { readonly err: unknown } | undefined
  const recording = feed
    .record(deps.store, toPlan, { minIntervalMs: c.backup_min_interval * 1000 }, { firstChunk: 2 * c.backup_workers, chunk: RECORD_CHUNK, signal: run.signal })
    .catch((err: unknown) => {
      recordFailure = { err }
      run.abort(err)
    })
  let results: BackupTaskResult[]
  try {
    // Over quota is its own result: recorded as a finished task, never sent to Cinder.
    for (const o of plan.overQuota) {
      await deps.store.recordOverQuota(newTask(o.task), now, { code: 'EXEC_OVER_QUOTA', message: o.message })
      deps.logger.warn({ volumeId: o.task.volumeId, projectId: o.task.projectId }, o.message)
    }
    for (const o of plan.overQuota) deps.metrics.inc('snapwarden_backups_over_quota_total', { project: o.task.projectId })
    results = await executeClaimed(deps, owner, run.signal, { wait: opts.wait ?? true, feed })
  } catch (err) {
    run.abort(err)
    await recording
    throw recordFailure?.err ?? err
  } finally {
    opts.signal?.removeEventListener('abort', onAbort)
  }
  await recording
  if (recordFailure !== undefined) throw recordFailure.err
  if (feed.skippedVolumeIds.length) {
    deps.logger.info({ volumeIds: feed.skippedVolumeIds }, 'not planned: another run has an open task for these volumes or backed them up after this plan was made')
  }
  return { now, discovery, plan, planned: feed.inserted.length, results: [...settled, ...results] }
}

/** Tasks recorded per transaction after the first chunk (a few milliseconds of SQLite each). */
const RECORD_CHUNK = 256

/**
 * Claims planned tasks (and tasks past their in-flight deadline, or of dead workers) and sends
 * them until none is left, with `backup_workers` loops: each loop sends one create at a time and
 * is free again once Cinder answered it and its id is recorded, so backup_workers bounds backup
 * requests in flight, not backups running in Cinder (its backup service queues those). Tasks are
 * claimed `backup_workers` at a time, each batch under its own owner id (`<owner>/<run>-b<n>`), so
 * a task's lease guard sees a task another batch, run or daemon took over.
 *
 * `wait` (default true, `backup run`): every backup sent is then followed by listing rounds shared
 * by all of them (one `backups/detail` listing per round); once the last create was sent the poller
 * looks at once. `wait: false` (the daemon): a backup sent is left in flight (see
 * BackupTaskStore.leaveInFlight) and the next cycle's listing settles it (settleInFlight); only a
 * task claimed past its deadline is followed, to cancel it.
 *
 * The loops and follows live and die together: one failure aborts the others, and this returns (or
 * throws that failure) only when every one has stopped, so nothing outlives the job.
 */
export async function executeClaimed(
  deps: BackupCycleDeps,
  owner: string,
  signal?: AbortSignal,
  opts: { readonly wait?: boolean; readonly plannedOnly?: boolean; readonly feed?: TaskFeed } = {},
): Promise<BackupTaskResult[]> {
  const c = deps.config.conductor
  const timeoutMs = c.backup_cycle_timeout * 1000
  const leaseMs = Math.max(5 * 60_000, 2 * timeoutMs)
  const results: BackupTaskResult[] = []
  const stop = new AbortController()
  const onAbort = (): void => stop.abort(signal?.reason)
  if (signal?.aborted) onAbort()
  else signal?.addEventListener('abort', onAbort, { once: true })
  const pool = new Pool({ global: c.backup_workers, perProject: Math.max(1, Math.ceil(c.backup_workers / 2)) })
  const options = {
    pool,
    waitingLeases: new WaitingLeases({ store: deps.store, clock: deps.clock, leaseMs, logger: deps.logger }),
    backupTimeoutMs: timeoutMs,
    leaseMs,
    // One backups/detail listing per round for every backup followed, 5 s backing off to 60 s.
    poller: recentBackupsPoller(deps, DEFAULT_POLL_SCHEDULE),
    describe: (t: StoredTask) => ({
      description: BACKUP_DESCRIPTION,
      metadata: { [BACKUP_MARKS.automated]: 'True', [BACKUP_MARKS.managed]: 'true', [BACKUP_MARKS.serverId]: t.serverId },
    }),
    // Recorded with the lease check right before the create is sent (confirmLease).
    nameOf: (t: StoredTask) => backupName(t.serverName, t.volumeName || t.volumeId, t.plannedAt),
    signal: stop.signal,
    wait: opts.wait ?? true,
    owner,
  }
  const shared = backupRunShared(deps, options)
  const run = randomUUID().slice(0, 8)
  const follows: Promise<void>[] = []
  const failures: unknown[] = []
  const fail = (err: unknown): void => {
    failures.push(err)
    if (!stop.signal.aborted) stop.abort(err)
  }
  // Claimed a batch at a time (one claim query per backup_workers tasks, not one per task), handed
  // to the loops; a task claimed and not yet sent when the loops stop is released.
  // Each batch has its own owner id: a task re-claimed by a later batch (its lease ran out) is no
  // longer the earlier holder's, whose lease guard then refuses to send it.
  const queue: { readonly task: StoredTask; readonly owner: string }[] = []
  let claiming: Promise<void> | undefined
  let drained = false
  let batch = 0
  const next = async (): Promise<{ readonly task: StoredTask; readonly owner: string } | undefined> => {
    for (let i = 0; i < 1000 && queue.length === 0 && !drained && !stop.signal.aborted; i++) {
      const me = `${owner}/${run}-b${++batch}`
      claiming ??= (async () => {
        // Tasks still being recorded (feed): none claimable now means none yet, not none left.
        const more = opts.feed?.open === true ? opts.feed.recorded() : undefined
        const got = await deps.store.claimTasks(me, c.backup_workers, deps.clock.now(), leaseMs, { plannedOnly: opts.plannedOnly ?? false })
        queue.push(...got.map((task) => ({ task, owner: me })))
        if (got.length > 0) return
        if (more === undefined) drained = true
        else await more
      })().finally(() => {
        claiming = undefined
      })
      await claiming
    }
    return stop.signal.aborted ? undefined : queue.shift()
  }
  // Each loop takes one task when it is free and is free again once its create was answered and
  // recorded. Bounded: stops when nothing is left.
  const worker = async (): Promise<void> => {
    try {
      for (let i = 0; i < 100_000 && !stop.signal.aborted; i++) {
        const taken = await next()
        if (!taken) return
        const { task, owner: me } = taken
        const started = startBackupTask(task, deps, { ...options, owner: me }, shared)
        follows.push(
          started.result.then(
            (r) => {
              results.push(r)
            },
            (err: unknown) => {
              // Its lease ran out and another worker re-claimed it: that worker carries it on.
              if (toErrorInfo(err).code === 'STORE_CONFLICT') {
                deps.logger.warn({ taskId: task.id, volumeId: task.volumeId, owner: me, error: toErrorInfo(err) }, 'backup task is no longer ours (re-claimed, or its lease ran out before sending); leaving it to the next claim')
              } else fail(err)
            },
          ),
        )
        await started.sent
      }
    } catch (err) {
      fail(err)
    }
  }
  await Promise.allSettled(Array.from({ length: c.backup_workers }, () => worker()))
  // Stopped with tasks claimed and never sent: any worker may take them at once.
  for (const { task: t, owner: me } of queue.splice(0)) {
    await deps.store.releaseTask(t.id, me).catch((err: unknown) => {
      deps.logger.warn({ taskId: t.id, volumeId: t.volumeId, error: toErrorInfo(err) }, 'could not release a backup task on stop; it is taken over when its lease runs out')
    })
  }
  // Every create was sent: one listing round now shows what a fast cloud already finished.
  shared.poller.lookNow()
  await Promise.allSettled(follows)
  signal?.removeEventListener('abort', onAbort)
  // The first failure is the job's error; the others only stopped because of it.
  const failure = failures.find((e) => !(e instanceof CancelledError))
  if (failure !== undefined) throw failure
  if (stop.signal.aborted) throw new CancelledError('backup cycle', signal?.reason)
  for (const r of results) {
    if (r.outcome === 'in_flight') continue
    if (r.outcome !== 'succeeded') deps.logger.warn({ taskId: r.taskId, outcome: r.outcome, error: r.error }, 'backup task did not succeed')
  }
  const inFlight = results.filter((r) => r.outcome === 'in_flight').length
  if (inFlight) deps.logger.info({ inFlight }, `${inFlight} backup(s) sent, settle next cycle (the next backups/detail listing says how each ended)`)
  return results
}

/** Projects by how many targets they have, most first. */
function byTargetCount(targets: readonly { readonly projectId: string }[]): string[] {
  const count = new Map<string, number>()
  for (const t of targets) count.set(t.projectId, (count.get(t.projectId) ?? 0) + 1)
  return [...count].sort((a, b) => b[1] - a[1]).map(([p]) => p)
}

async function quotaOrUndefined(deps: BackupCycleDeps, projectId: string, signal?: AbortSignal): Promise<BlockStorageQuota | undefined> {
  try {
    return await readWithRetry(deps, `quota of ${projectId}`, () => deps.cloud.getQuota(projectId, signal), signal)
  } catch (err) {
    deps.logger.warn({ projectId, error: toErrorInfo(err) }, 'backup quota could not be read; planning without a quota check')
    return undefined
  }
}
