import type { BackupRecord } from '../domain/inventory.ts'
import type { CreateBackupRequest } from '../domain/ports.ts'
import type { BackupCatalog, BackupKind, BackupTask, BackupTaskStore, FinishTaskEntry, TaskOutcome } from '../domain/store-port.ts'
import { toErrorInfo, type ErrorInfo } from '../domain/errors.ts'
import { CancelledError, ResourceFailedError, WaitTimeoutError, messageOf } from './errors.ts'
import { ItemRun, errorCodeIs, type ExecutorDeps } from './item-run.ts'
import { Pool } from './pool.ts'
import { DEFAULT_RETRY, type RetrySettings } from './retry.ts'
import { recentBackupsPoller, type ListingPoller, type PollSchedule } from './poll-by-listing.ts'
import { TaskFinisher } from './task-finisher.ts'
import { WaitingLeases } from './waiting-leases.ts'

export interface BackupRunDeps extends ExecutorDeps {
  readonly store: BackupTaskStore & BackupCatalog
}

export interface BackupRunOptions {
  /** The worker that claimed the tasks. */
  readonly owner: string
  /** Per-backup timeout, measured from its create (a backup queued in Cinder counts against it). */
  readonly backupTimeoutMs: number
  /** How long a timed-out backup may take to reach a deletable state before force-delete. */
  readonly cancelGraceMs?: number
  /** First poll interval; it doubles up to 60 s as a backup's wait grows (or give `pollSchedule`). */
  readonly pollIntervalMs?: number
  readonly pollSchedule?: PollSchedule
  /**
   * Waits for backups in flight by listing: one `backups/detail` round for all of them (share one
   * between runs and worker loops); built from `deps` when not given.
   */
  readonly poller?: ListingPoller<BackupRecord>
  readonly leaseMs?: number
  readonly retry?: Partial<RetrySettings>
  readonly pool?: Pool
  /** Leases of tasks waiting for a slot of `pool`, renewed as its backups poll (share it with the pool). */
  readonly waitingLeases?: WaitingLeases
  readonly signal?: AbortSignal
  /**
   * false (the daemon): once a create is answered and recorded, leave the task in flight (its lease
   * set to its deadline) for the next cycle's listing; only a task past its deadline is followed,
   * to cancel it. Default true (`backup run`): follow every backup until it ends.
   */
  readonly wait?: boolean
  /**
   * The name a task's backup is created with when the store has none recorded for it yet; it is
   * recorded (the intent) in the same write that confirms the lease right before the create is sent.
   * Default `snapwarden-<volume>-<cycle id>`.
   */
  readonly nameOf?: (task: BackupTask) => string
  /** How a backup is marked as automated (description, and metadata where the microversion allows). */
  readonly describe?: (task: BackupTask) => { readonly description: string; readonly metadata: Readonly<Record<string, string>> }
}

/** A task's outcome in a run: how it finished, or `in_flight` (sent; the next cycle's listing settles it). */
export type BackupTaskOutcome = TaskOutcome | 'in_flight'

export interface BackupTaskResult {
  readonly taskId: string
  readonly volumeId: string
  readonly serverId: string
  readonly projectId: string
  readonly outcome: BackupTaskOutcome
  readonly backupId?: string
  readonly kind?: BackupKind
  readonly error?: ErrorInfo
  readonly steps: readonly string[]
}

/** True for a result whose task finished (succeeded or not); false for one left in flight. */
export const finishedResult = (r: Pick<BackupTaskResult, 'outcome'>): boolean => r.outcome !== 'in_flight'

/** What is known of a backup right after it was requested (Cinder answers 202 with id and name). */
type Started = Pick<BackupRecord, 'id' | 'status' | 'createdAt'>

const NO_PARENT = /no backups available to do an incremental backup/i

/** One task under way: `sent` settles once its create was answered and recorded (or it ended without one); `result` when it ended or was left in flight. */
export interface BackupTaskRun {
  readonly sent: Promise<void>
  readonly result: Promise<BackupTaskResult>
}

/** What tasks started together share: the pool of requests in flight, the waiting leases, one listing poller, the batched finishes. */
export interface BackupRunShared {
  readonly pool: Pool
  readonly waiting: WaitingLeases
  readonly poller: ListingPoller<BackupRecord>
  readonly finisher: TaskFinisher
}

export function backupRunShared(deps: BackupRunDeps, options: BackupRunOptions): BackupRunShared {
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS
  return {
    pool: options.pool ?? new Pool({ global: 10, perProject: 4 }),
    waiting: options.waitingLeases ?? new WaitingLeases({ store: deps.store, clock: deps.clock, leaseMs, logger: deps.logger }),
    poller: options.poller ?? recentBackupsPoller(deps, scheduleOf(options)),
    finisher: new TaskFinisher(deps.store),
  }
}

/**
 * Staffeln's conductor: for each claimed task, create the Cinder backup (an incremental refused for
 * lack of a parent falls back to a full in the same cycle), record its id at once, then either
 * follow it until available/error or its own deadline and cancel it on timeout (delete once
 * deletable, else force-delete), or (`wait: false`, the daemon) leave it in flight for the next
 * cycle's listing. Every backup created is recorded before anything else, so none is left untracked.
 *
 * A pool slot is held only while a create is being sent (the lease check right before it, the
 * request, its retries): backup_workers bounds requests in flight. Recording the answer (the task
 * started, the backup tracked) follows once the slot is free, so the next create goes out while it
 * is written; the wait holds no slot either. Once every create was sent and recorded, the poller
 * looks at once (lookNow), so a fast cloud is seen settled by one listing.
 *
 * Leases: a task's lease is renewed while it waits for a pool slot and while its backup is
 * followed, and a create is only sent after the store confirmed, at that moment, that this owner
 * still holds a live lease. When the signal aborts (graceful stop), a backup that reached
 * available/error is still recorded, a task that was not sent is released so the next worker takes
 * it at once, and one whose backup is still running is left in flight for the next cycle; then
 * CancelledError is thrown.
 */
export async function runBackupTasks(tasks: readonly BackupTask[], deps: BackupRunDeps, options: BackupRunOptions): Promise<BackupTaskResult[]> {
  const shared = backupRunShared(deps, options)
  const runs = tasks.map((t) => startBackupTask(t, deps, options, shared))
  await Promise.allSettled(runs.map((r) => r.sent))
  shared.poller.lookNow()
  const settled = await Promise.allSettled(runs.map((r) => r.result))
  if (options.signal?.aborted) throw new CancelledError('backup run', options.signal.reason)
  return settled.map((s) => {
    if (s.status === 'rejected') throw s.reason
    return s.value
  })
}

/** Starts one task: its create is sent in a slot of `shared.pool`; its wait (if any) holds none. */
export function startBackupTask(t: BackupTask, deps: BackupRunDeps, options: BackupRunOptions, shared: BackupRunShared): BackupTaskRun {
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS
  let markSent: () => void = () => {}
  const sent = new Promise<void>((resolve) => (markSent = resolve))
  const result = (async (): Promise<BackupTaskResult> => {
    let running = false
    shared.waiting.add(t.id, options.owner)
    try {
      const task = taskRun(t, deps, { ...options, leaseMs }, shared)
      // The slot is held while the create is sent: backup_workers bounds requests in flight, not
      // backups running in Cinder (its backup service queues and bounds those). Its answer is
      // recorded after the slot is freed: before anything else this task does, as before.
      const answered = await shared.pool.run(
        t.projectId,
        () => {
          running = true
          shared.waiting.delete(t.id)
          return task.send()
        },
        { signal: options.signal },
      )
      const step = 'outcome' in answered ? answered : await task.record(answered)
      markSent()
      return 'outcome' in step ? step : await task.follow(step)
    } catch (err) {
      // Stopped while waiting for a slot: never sent, so any worker may take it now.
      if (!running && err instanceof CancelledError) await releaseQuietly(deps, t, options.owner)
      throw err
    } finally {
      shared.waiting.delete(t.id)
      markSent()
    }
  })()
  return { sent, result }
}

const DEFAULT_LEASE_MS = 5 * 60_000

function scheduleOf(options: BackupRunOptions): PollSchedule | undefined {
  if (options.pollSchedule) return options.pollSchedule
  const first = options.pollIntervalMs
  return first === undefined ? undefined : { firstMs: first, maxMs: Math.max(first, 60_000) }
}

async function releaseQuietly(deps: BackupRunDeps, task: BackupTask, owner: string): Promise<void> {
  try {
    await deps.store.releaseTask(task.id, owner)
  } catch (err) {
    deps.logger.warn({ taskId: task.id, volumeId: task.volumeId, owner, error: toErrorInfo(err) }, 'could not release a backup task on stop; it is taken over when its lease runs out')
  }
}

/** A backup whose create was answered and recorded: what following it needs. */
interface SentBackup {
  readonly watched: { readonly id: string; readonly projectId: string; readonly since: Date }
  readonly startedAt: Date
  /** The task's deadline (its create plus backup_cycle_timeout); undefined for an old row without one. */
  readonly deadlineAt: Date | undefined
  /** This run sent (or adopted) it; false for a started task it claimed. */
  readonly createdHere: boolean
}

/** What a create's answer left to record: the backup (and whether this run made it or found it by name). */
interface AnsweredCreate {
  readonly backupId: string
  /** This run's create (or a backup adopted by its name); undefined for a started task it claimed. */
  readonly created: Started | undefined
  readonly startedAt: Date
}

/** One task's three steps: send (the create; in a pool slot), record (its answer, before anything else), follow (wait, or leave in flight). */
function taskRun(
  task: BackupTask,
  deps: BackupRunDeps,
  options: BackupRunOptions & { readonly leaseMs: number },
  shared: BackupRunShared,
): {
  send(): Promise<AnsweredCreate | BackupTaskResult>
  record(answered: AnsweredCreate): Promise<SentBackup | BackupTaskResult>
  follow(sent: SentBackup): Promise<BackupTaskResult>
} {
  const { store, cloud, clock } = deps
  const { waiting, poller } = shared
  const settings = {
    waitForAvailable: true,
    createTimeoutMs: options.backupTimeoutMs,
    healTimeoutMs: options.cancelGraceMs ?? 10 * 60_000,
    pollIntervalMs: options.pollIntervalMs ?? 10_000,
    retry: { ...DEFAULT_RETRY, ...options.retry },
    forceInUse: true,
  }
  const run = new ItemRun(deps, settings, options.signal, { component: 'backup-conductor', taskId: task.id, volumeId: task.volumeId })
  const owner = options.owner
  let backupId = task.backupId
  let kind = task.kind
  /** The task is `started` in the store with its backup id (markStarted done, or claimed so). */
  let started = task.state === 'started' && task.backupId !== undefined
  let deadline = task.deadlineAt
  /** A create was sent (or may have been) and its answer is not known. */
  let sent = false
  const result = (outcome: BackupTaskOutcome, error?: ErrorInfo): BackupTaskResult => ({
    taskId: task.id, volumeId: task.volumeId, serverId: task.serverId, projectId: task.projectId, outcome, steps: run.steps, kind, ...(backupId && { backupId }), ...(error && { error }),
  })
  /** Closes the task (with its backup's new status, when given) in the shared finisher's next batch. */
  const finish = async (outcome: TaskOutcome, error?: ErrorInfo, backup?: FinishTaskEntry['backup']): Promise<BackupTaskResult> => {
    await shared.finisher.finish({ taskId: task.id, owner, outcome, now: clock.now(), error, backup })
    deps.metrics.inc('snapwarden_backup_tasks_total', { outcome })
    return result(outcome, error)
  }
  /** When this task's lease was last set to now + leaseMs (undefined: not by this run, e.g. a re-claim). */
  let leaseSetAt: number | undefined
  /**
   * Every poll keeps this task's lease and those of the tasks waiting for a slot alive. The task's
   * own lease is renewed once a quarter of it has passed (not at every round: a round right after
   * the last create must not write every task's row first). Nothing to renew: undefined, no promise
   * (a round over thousands of backups waits only for the writes there are).
   */
  const heartbeat = (): Promise<void> | undefined => {
    const now = clock.now()
    const renewOwn = leaseSetAt === undefined || now.getTime() - leaseSetAt >= options.leaseMs / 4
    if (!renewOwn && waiting.empty) return undefined
    return (async () => {
      if (renewOwn) {
        await store.renewLease(task.id, owner, now, options.leaseMs)
        leaseSetAt = now.getTime()
      }
      await waiting.renew()
    })()
  }
  const name = task.backupName ?? options.nameOf?.(task) ?? `snapwarden-${task.volumeName || task.volumeId}-${task.cycleId}`
  /** The name to record before the first create is sent; undefined once the store holds one. */
  let intent = task.backupName === undefined ? name : undefined
  const guard: SendGuard = {
    confirm: async () => {
      const now = clock.now()
      await store.confirmLease(task.id, owner, now, options.leaseMs, intent)
      intent = undefined
      leaseSetAt = now.getTime()
      sent = true
    },
  }
  /** Hands a started task back to the store in flight (the next cycle's listing settles it); a task without a deadline is released. */
  const leaveInFlight = async (): Promise<void> => {
    try {
      await store.leaveInFlight(task.id, owner)
    } catch (err) {
      if (toErrorInfo(err).code === 'STORE_CONFLICT') throw err
      deps.logger.warn({ taskId: task.id, volumeId: task.volumeId, owner, error: toErrorInfo(err) }, 'could not leave a backup task in flight; it is taken over when its lease runs out')
    }
  }
  const failed = async (err: unknown): Promise<BackupTaskResult> => {
    // Taken over by another worker (its lease ran out): that worker carries the task on.
    if (toErrorInfo(err).code === 'STORE_CONFLICT') throw err
    if (err instanceof CancelledError || options.signal?.aborted) {
      // Stopped: record what is already known, hand back what is not ours to finish, keep the
      // lease of a create whose answer never came (a later claim adopts it by name, after the lease).
      if (backupId !== undefined) {
        const last = await lastLook(deps, backupId)
        if (last?.status === 'available') {
          run.step(`available: ${backupId} (seen while stopping)`)
          return finish('succeeded', undefined, { backupId, status: 'available', completedAt: clock.now() })
        }
        if (last?.status === 'error') {
          run.step(`error: ${backupId} (seen while stopping)`)
          return finish('failed', { code: 'OS_RESOURCE_FAILED', message: `backup ${backupId} went to status error` }, { backupId, status: 'error' })
        }
      }
      // A backup still running is left in flight for the next cycle's listing (a task without a deadline is released).
      if (started && deadline !== undefined) await leaveInFlight()
      else if (backupId !== undefined || !sent) await releaseQuietly(deps, task, owner)
      throw err instanceof CancelledError ? err : new CancelledError('backup run', options.signal?.reason)
    }
    const f = run.fail('backup', err)
    const status = err instanceof ResourceFailedError && backupId ? { backupId, status: err.status ?? 'error' } : undefined
    return finish(errorCodeIs(err, 'OS_OVER_LIMIT', 413) ? 'over_quota' : 'failed', f.error, status)
  }

  const send = async (): Promise<AnsweredCreate | BackupTaskResult> => {
    try {
      if (backupId !== undefined) return { backupId, created: undefined, startedAt: task.startedAt ?? clock.now() }
      // Only a re-claimed task (its worker died or gave it up) can have sent a create whose answer was lost.
      let backup: Started | undefined = task.backupName && task.attempts > 1 ? await findByName(run, task, name) : undefined
      if (backup) run.step(`adopted ${backup.id}: found by the name recorded before a lost answer`)
      else {
        // The name is recorded with the lease check right before the create is sent (guard).
        const made = await createBackup(run, task, name, guard, options.describe?.(task))
        backup = made.backup
        kind = made.kind
      }
      backupId = backup.id
      sent = false
      return { backupId: backup.id, created: backup, startedAt: clock.now() }
    } catch (err) {
      return failed(err)
    }
  }

  const record = async (a: AnsweredCreate): Promise<SentBackup | BackupTaskResult> => {
    try {
      const { created, startedAt } = a
      const id = a.backupId
      if (created !== undefined) {
        deadline = new Date(startedAt.getTime() + options.backupTimeoutMs)
        await store.markStarted(task.id, owner, id, startedAt, deadline)
        started = true
      }
      // Tracked before it is followed; re-recording a resumed task's backup is a no-op (false).
      await store.recordBackup({
        backupId: id, volumeId: task.volumeId, serverId: task.serverId, projectId: task.projectId, kind, taskId: task.id,
        status: created?.status ?? 'creating', createdAt: created?.createdAt ?? startedAt,
        name,
        ...(kind === 'incremental' && task.parentBackupId && { parentBackupId: task.parentBackupId }),
      })
      // A backup adopted by name may be much older than this claim (its worker died a lease ago): the
      // listing must reach back to when it was made, not only to now.
      const since = created !== undefined && created.createdAt.getTime() < startedAt.getTime() ? created.createdAt : startedAt
      return { watched: { id, projectId: task.projectId, since }, startedAt, deadlineAt: deadline, createdHere: created !== undefined }
    } catch (err) {
      return failed(err)
    }
  }

  const follow = async (s: SentBackup): Promise<BackupTaskResult> => {
    const { watched, startedAt } = s
    const id = watched.id
    try {
      // The daemon does not wait: the next cycle's backups/detail listing says how it ended. Only a
      // task past its deadline is followed here (one listing round, then cancelled if still creating).
      if (options.wait === false && s.deadlineAt !== undefined && clock.now().getTime() < s.deadlineAt.getTime()) {
        await store.leaveInFlight(task.id, owner)
        run.step(`sent ${id}; settles by the next cycle's listing (deadline ${s.deadlineAt.toISOString()})`)
        return result('in_flight')
      }
      try {
        const follow = (item: typeof watched) =>
          poller.watch(item, {
            done: (b) => b === undefined || b.status === 'available' || b.status === 'error',
            deadlineMs: (s.deadlineAt ?? new Date(startedAt.getTime() + options.backupTimeoutMs)).getTime(),
            signal: run.signal,
            beforeRound: heartbeat,
            what: `backup ${id}`,
            target: 'available',
            statusOf: (b) => b?.status,
          })
        let last = await follow(watched)
        if (last === undefined && !s.createdHere) {
          // A backup another worker sent: its start is that worker's clock, which may run ahead of
          // Cinder's beyond the listing's margin. One look by id before calling it gone.
          const seen = await lastLook(deps, id)
          if (seen !== undefined) {
            run.step(`${id} not in the listing from ${watched.since.toISOString()}; read by id: ${seen.status}`)
            last = seen.status === 'available' || seen.status === 'error' ? seen : await follow({ ...watched, since: seen.createdAt })
          }
        }
        if (last === undefined) throw new ResourceFailedError(`backup ${id} went away while waiting for status available`, undefined)
        if (last.status === 'error') throw new ResourceFailedError(`backup ${id} transitioned to failure state error`, 'error')
      } catch (err) {
        if (!(err instanceof WaitTimeoutError)) throw err
        run.step(`timed out after ${options.backupTimeoutMs} ms; cancelling ${id}`)
        const cancelled = await cancelBackup(run, watched, heartbeat, poller)
        if (cancelled) await store.markBackupDeleted(id, clock.now())
        return finish(cancelled ? 'cancelled' : 'failed', toErrorInfo(err))
      }
      run.step(`available: ${id}`)
      return finish('succeeded', undefined, { backupId: id, status: 'available', completedAt: clock.now() })
    } catch (err) {
      return failed(err)
    }
  }
  return { send, record, follow }
}

/** One status read on stop, without the aborted signal or retries; undefined when it cannot be had. */
async function lastLook(deps: BackupRunDeps, backupId: string): Promise<BackupRecord | undefined> {
  try {
    return await deps.cloud.getBackup(backupId)
  } catch {
    return undefined
  }
}

/** Looks the backup up where a create for the task's project puts it (the volume's project). */
async function findByName(run: ItemRun, task: BackupTask, name: string): Promise<BackupRecord | undefined> {
  return run.retry('find_backup', async () => {
    const found = await run.cloud.findBackups({ volumeId: task.volumeId, projectId: task.projectId, name }, run.signal)
    return found.find((b) => b.volumeId === task.volumeId && b.name === name)
  })
}

/** Confirms, right before each create is sent, that the task is still ours with a live lease. */
interface SendGuard {
  confirm(): Promise<void>
}

/** Creates once; after a transient failure looks the name up before sending again. */
async function createBackup(
  run: ItemRun,
  task: BackupTask,
  name: string,
  guard: SendGuard,
  marks?: { readonly description: string; readonly metadata: Readonly<Record<string, string>> },
): Promise<{ backup: Started; kind: BackupKind }> {
  const send = (kind: BackupKind): Promise<Started> =>
    run.retry('create_backup', async (attempt) => {
      if (attempt > 1) {
        const found = await findByName(run, task, name)
        if (found) return found
      }
      const req: CreateBackupRequest = { volumeId: task.volumeId, projectId: task.projectId, name, incremental: kind === 'incremental', force: true, ...marks }
      await guard.confirm()
      const b = await run.cloud.createBackup(req, run.signal)
      run.step(`${kind} backup requested: ${b.id}`)
      return { id: b.id, status: 'creating', createdAt: run.deps.clock.now() }
    })
  if (task.kind === 'full') return { backup: await send('full'), kind: 'full' }
  try {
    return { backup: await send('incremental'), kind: 'incremental' }
  } catch (err) {
    if (!NO_PARENT.test(messageOf(err))) throw err
    run.step('incremental refused for lack of a parent; falling back to a full backup')
    return { backup: await send('full'), kind: 'full' }
  }
}

/** Waits until the backup is deletable and deletes it; force-deletes when it stays busy. True when it is gone or going. */
async function cancelBackup(
  run: ItemRun,
  watched: { readonly id: string; readonly projectId: string; readonly since: Date },
  heartbeat: () => Promise<void> | undefined,
  poller: ListingPoller<BackupRecord>,
): Promise<boolean> {
  const { cloud, clock } = run.deps
  const id = watched.id
  try {
    await poller.watch(watched, {
      done: (b) => b === undefined || b.status === 'available' || b.status === 'error',
      deadlineMs: clock.now().getTime() + run.settings.healTimeoutMs,
      signal: run.signal,
      beforeRound: heartbeat,
      what: `backup ${id}`,
      target: 'deletable',
      statusOf: (b) => b?.status,
    })
    await run.retry('delete_backup', () => cloud.deleteBackup(id, run.signal))
    run.step(`deleted ${id}`)
    return true
  } catch (err) {
    if (err instanceof CancelledError || toErrorInfo(err).code === 'STORE_CONFLICT') throw err
    run.step(`could not delete ${id}: ${messageOf(err)}; force-deleting`)
  }
  try {
    await run.retry('force_delete_backup', () => cloud.forceDeleteBackup(id, run.signal))
    run.step(`force-deleted ${id}`)
    return true
  } catch (err) {
    if (err instanceof CancelledError) throw err
    run.step(`force-delete of ${id} refused (${messageOf(err)}); the backup stays tracked for an operator`)
    return false
  }
}
