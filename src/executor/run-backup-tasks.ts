import type { BackupRecord } from '../domain/inventory.ts'
import type { CreateBackupRequest } from '../domain/ports.ts'
import type { BackupCatalog, BackupKind, BackupTask, BackupTaskStore, TaskOutcome } from '../domain/store-port.ts'
import { toErrorInfo, type ErrorInfo } from '../domain/errors.ts'
import { CancelledError, ResourceFailedError, WaitTimeoutError, messageOf } from './errors.ts'
import { ItemRun, errorCodeIs, type ExecutorDeps } from './item-run.ts'
import { Pool } from './pool.ts'
import { DEFAULT_RETRY, type RetrySettings } from './retry.ts'
import { recentBackupsPoller, type ListingPoller, type PollSchedule } from './poll-by-listing.ts'
import { WaitingLeases } from './waiting-leases.ts'

export interface BackupRunDeps extends ExecutorDeps {
  readonly store: BackupTaskStore & BackupCatalog
}

export interface BackupRunOptions {
  /** The worker that claimed the tasks. */
  readonly owner: string
  /** Per-backup timeout, measured from that backup's own start. */
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
  /** How a backup is marked as automated (description, and metadata where the microversion allows). */
  readonly describe?: (task: BackupTask) => { readonly description: string; readonly metadata: Readonly<Record<string, string>> }
}

export interface BackupTaskResult {
  readonly taskId: string
  readonly volumeId: string
  readonly serverId: string
  readonly projectId: string
  readonly outcome: TaskOutcome
  readonly backupId?: string
  readonly kind?: BackupKind
  readonly error?: ErrorInfo
  readonly steps: readonly string[]
}

/** What is known of a backup right after it was requested (Cinder answers 202 with id and name). */
type Started = Pick<BackupRecord, 'id' | 'status' | 'createdAt'>

const NO_PARENT = /no backups available to do an incremental backup/i

/**
 * Staffeln's conductor: for each claimed task, create the Cinder backup (an incremental refused for
 * lack of a parent falls back to a full in the same cycle), record its id at once, follow it until
 * available/error or its own deadline, and cancel it on timeout (delete once deletable, else
 * force-delete). Every backup created is recorded before it is followed, so none is left untracked.
 *
 * Leases: a task's lease is renewed while it waits for a pool slot and while its backup is
 * followed, and a create is only sent after the store confirmed, at that moment, that this owner
 * still holds a live lease. When the signal aborts (graceful stop), a backup that reached
 * available/error is still recorded, and a task that was not sent, or whose backup is still
 * running, is released so the next worker takes it at once; then CancelledError is thrown.
 */
export async function runBackupTasks(tasks: readonly BackupTask[], deps: BackupRunDeps, options: BackupRunOptions): Promise<BackupTaskResult[]> {
  const pool = options.pool ?? new Pool({ global: 10, perProject: 4 })
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS
  const waiting = options.waitingLeases ?? new WaitingLeases({ store: deps.store, clock: deps.clock, leaseMs, logger: deps.logger })
  const poller = options.poller ?? recentBackupsPoller(deps, scheduleOf(options))
  const runOne = async (t: BackupTask): Promise<BackupTaskResult> => {
    let running = false
    waiting.add(t.id, options.owner)
    try {
      // The slot is held while the backup is in flight: one worker loop follows one backup, so
      // backup_workers bounds backups in flight (and the per-project limit is their fairness); the
      // wait itself costs no request of its own (one listing per round serves every loop).
      return await pool.run(
        t.projectId,
        () => {
          running = true
          waiting.delete(t.id)
          return runTask(t, deps, { ...options, leaseMs }, waiting, poller)
        },
        { signal: options.signal },
      )
    } catch (err) {
      // Stopped while waiting for a slot: never sent, so any worker may take it now.
      if (!running && err instanceof CancelledError) await releaseQuietly(deps, t, options.owner)
      throw err
    } finally {
      waiting.delete(t.id)
    }
  }
  const settled = await Promise.allSettled(tasks.map(runOne))
  if (options.signal?.aborted) throw new CancelledError('backup run', options.signal.reason)
  return settled.map((s) => {
    if (s.status === 'rejected') throw s.reason
    return s.value
  })
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

async function runTask(
  task: BackupTask,
  deps: BackupRunDeps,
  options: BackupRunOptions & { readonly leaseMs: number },
  waiting: WaitingLeases,
  poller: ListingPoller<BackupRecord>,
): Promise<BackupTaskResult> {
  const { store, cloud, clock } = deps
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
  /** A create was sent (or may have been) and its answer is not known. */
  let sent = false
  const finish = async (outcome: TaskOutcome, error?: ErrorInfo): Promise<BackupTaskResult> => {
    await store.finishTask(task.id, owner, outcome, clock.now(), error)
    deps.metrics.inc('snapwarden_backup_tasks_total', { outcome })
    return { taskId: task.id, volumeId: task.volumeId, serverId: task.serverId, projectId: task.projectId, outcome, steps: run.steps, kind, ...(backupId && { backupId }), ...(error && { error }) }
  }
  /** Every poll keeps this task's lease and those of the tasks waiting for a slot alive. */
  const heartbeat = async (): Promise<void> => {
    await store.renewLease(task.id, owner, clock.now(), options.leaseMs)
    await waiting.renew()
  }
  const guard: SendGuard = {
    confirm: async () => {
      await store.confirmLease(task.id, owner, clock.now(), options.leaseMs)
      sent = true
    },
  }
  try {
    let startedAt = task.startedAt ?? clock.now()
    let created: Started | undefined
    const name = task.backupName ?? `snapwarden-${task.volumeName || task.volumeId}-${task.cycleId}`
    if (backupId === undefined) {
      // Only a re-claimed task (its worker died or gave it up) can have sent a create whose answer was lost.
      let backup: Started | undefined = task.backupName && task.attempts > 1 ? await findByName(run, task, name) : undefined
      if (backup) run.step(`adopted ${backup.id}: found by the name recorded before a lost answer`)
      else {
        if (!task.backupName) await store.recordIntent(task.id, owner, name)
        const made = await createBackup(run, task, name, guard, options.describe?.(task))
        backup = made.backup
        kind = made.kind
      }
      backupId = backup.id
      sent = false
      startedAt = clock.now()
      await store.markStarted(task.id, owner, backup.id, startedAt, new Date(startedAt.getTime() + options.backupTimeoutMs))
      created = backup
    }
    const id = backupId
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
    const watched = { id, projectId: task.projectId, since }
    try {
      const last = await poller.watch(watched, {
        done: (b) => b === undefined || b.status === 'available' || b.status === 'error',
        deadlineMs: startedAt.getTime() + options.backupTimeoutMs,
        signal: run.signal,
        beforeRound: heartbeat,
        what: `backup ${id}`,
        target: 'available',
        statusOf: (b) => b?.status,
      })
      if (last === undefined) throw new ResourceFailedError(`backup ${id} went away while waiting for status available`, undefined)
      if (last.status === 'error') throw new ResourceFailedError(`backup ${id} transitioned to failure state error`, 'error')
    } catch (err) {
      if (!(err instanceof WaitTimeoutError)) throw err
      run.step(`timed out after ${options.backupTimeoutMs} ms; cancelling ${id}`)
      const cancelled = await cancelBackup(run, watched, heartbeat, poller)
      if (cancelled) await store.markBackupDeleted(id, clock.now())
      return finish(cancelled ? 'cancelled' : 'failed', toErrorInfo(err))
    }
    await store.updateBackupStatus(id, 'available', clock.now())
    run.step(`available: ${id}`)
    return finish('succeeded')
  } catch (err) {
    // Taken over by another worker (its lease ran out): that worker carries the task on.
    if (toErrorInfo(err).code === 'STORE_CONFLICT') throw err
    if (err instanceof CancelledError || options.signal?.aborted) {
      // Stopped: record what is already known, hand back what is not ours to finish, keep the
      // lease of a create whose answer never came (a later claim adopts it by name, after the lease).
      if (backupId !== undefined) {
        const last = await lastLook(deps, backupId)
        if (last?.status === 'available') {
          await store.updateBackupStatus(backupId, 'available', clock.now())
          run.step(`available: ${backupId} (seen while stopping)`)
          return finish('succeeded')
        }
        if (last?.status === 'error') {
          await store.updateBackupStatus(backupId, 'error')
          run.step(`error: ${backupId} (seen while stopping)`)
          return finish('failed', { code: 'OS_RESOURCE_FAILED', message: `backup ${backupId} went to status error` })
        }
      }
      if (backupId !== undefined || !sent) await releaseQuietly(deps, task, owner)
      throw err instanceof CancelledError ? err : new CancelledError('backup run', options.signal?.reason)
    }
    if (err instanceof ResourceFailedError && backupId) await store.updateBackupStatus(backupId, err.status ?? 'error')
    const failed = run.fail('backup', err)
    return finish(errorCodeIs(err, 'OS_OVER_LIMIT', 413) ? 'over_quota' : 'failed', failed.error)
  }
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
  heartbeat: () => Promise<void>,
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
