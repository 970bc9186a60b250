import type { BackupRecord } from '../domain/inventory.ts'
import type { CreateBackupRequest } from '../domain/ports.ts'
import type { BackupCatalog, BackupKind, BackupTask, BackupTaskStore, TaskOutcome } from '../domain/store-port.ts'
import { toErrorInfo, type ErrorInfo } from '../domain/errors.ts'
import { CancelledError, ResourceFailedError, WaitTimeoutError, messageOf } from './errors.ts'
import { ItemRun, errorCodeIs, type ExecutorDeps } from './item-run.ts'
import { Pool } from './pool.ts'
import { DEFAULT_RETRY, type RetrySettings } from './retry.ts'
import { waitForStatus } from './wait-for-status.ts'

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
  readonly pollIntervalMs?: number
  readonly leaseMs?: number
  readonly retry?: Partial<RetrySettings>
  readonly pool?: Pool
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
 */
export async function runBackupTasks(tasks: readonly BackupTask[], deps: BackupRunDeps, options: BackupRunOptions): Promise<BackupTaskResult[]> {
  const pool = options.pool ?? new Pool({ global: 10, perProject: 4 })
  const settled = await Promise.allSettled(tasks.map((t) => pool.run(t.projectId, () => runTask(t, deps, options), { signal: options.signal })))
  if (options.signal?.aborted) throw new CancelledError('backup run', options.signal.reason)
  return settled.map((s) => {
    if (s.status === 'rejected') throw s.reason
    return s.value
  })
}

async function runTask(task: BackupTask, deps: BackupRunDeps, options: BackupRunOptions): Promise<BackupTaskResult> {
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
  const finish = async (outcome: TaskOutcome, error?: ErrorInfo): Promise<BackupTaskResult> => {
    await store.finishTask(task.id, owner, outcome, clock.now(), error)
    deps.metrics.inc('snapwarden_backup_tasks_total', { outcome })
    return { taskId: task.id, volumeId: task.volumeId, serverId: task.serverId, projectId: task.projectId, outcome, steps: run.steps, kind, ...(backupId && { backupId }), ...(error && { error }) }
  }
  try {
    let startedAt = task.startedAt ?? clock.now()
    let created: Started | undefined
    const name = task.backupName ?? `snapwarden-${task.volumeName || task.volumeId}-${task.cycleId}`
    if (backupId === undefined) {
      // Only a re-claimed task (its worker died) can have sent a create whose answer was lost.
      let backup: Started | undefined = task.backupName && task.attempts > 1 ? await findByName(run, task, name) : undefined
      if (backup) run.step(`adopted ${backup.id}: found by the name recorded before a lost answer`)
      else {
        if (!task.backupName) await store.recordIntent(task.id, owner, name)
        const made = await createBackup(run, task, name, options.describe?.(task))
        backup = made.backup
        kind = made.kind
      }
      backupId = backup.id
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
    const leftMs = startedAt.getTime() + options.backupTimeoutMs - clock.now().getTime()
    try {
      await waitForStatus(
        async () => {
          await store.renewLease(task.id, owner, clock.now(), options.leaseMs ?? 5 * 60_000)
          return run.retry('get_backup', () => cloud.getBackup(id, run.signal))
        },
        { target: 'available', failures: ['error'], timeoutMs: Math.max(0, leftMs), intervalMs: settings.pollIntervalMs, clock, sleep: deps.sleep, signal: run.signal, what: `backup ${id}` },
      )
    } catch (err) {
      if (!(err instanceof WaitTimeoutError)) throw err
      run.step(`timed out after ${options.backupTimeoutMs} ms; cancelling ${id}`)
      const cancelled = await cancelBackup(run, id)
      if (cancelled) await store.markBackupDeleted(id, clock.now())
      return finish(cancelled ? 'cancelled' : 'failed', toErrorInfo(err))
    }
    await store.updateBackupStatus(id, 'available', clock.now())
    run.step(`available: ${id}`)
    return finish('succeeded')
  } catch (err) {
    if (err instanceof CancelledError) throw err
    if (err instanceof ResourceFailedError && backupId) await store.updateBackupStatus(backupId, err.status ?? 'error')
    const failed = run.fail('backup', err)
    return finish(errorCodeIs(err, 'OS_OVER_LIMIT', 413) ? 'over_quota' : 'failed', failed.error)
  }
}

async function findByName(run: ItemRun, task: BackupTask, name: string): Promise<BackupRecord | undefined> {
  return run.retry('list_backups', async () => {
    for await (const b of run.cloud.listBackups({ allProjects: false, projectId: task.projectId }, run.signal)) {
      if (b.volumeId === task.volumeId && b.name === name) return b
    }
    return undefined
  })
}

/** Creates once; after a transient failure looks the name up before sending again. */
async function createBackup(
  run: ItemRun,
  task: BackupTask,
  name: string,
  marks?: { readonly description: string; readonly metadata: Readonly<Record<string, string>> },
): Promise<{ backup: Started; kind: BackupKind }> {
  const send = (kind: BackupKind): Promise<Started> =>
    run.retry('create_backup', async (attempt) => {
      if (attempt > 1) {
        const found = await findByName(run, task, name)
        if (found) return found
      }
      const req: CreateBackupRequest = { volumeId: task.volumeId, projectId: task.projectId, name, incremental: kind === 'incremental', force: true, ...marks }
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
async function cancelBackup(run: ItemRun, id: string): Promise<boolean> {
  const { cloud, clock, sleep } = run.deps
  try {
    await waitForStatus(
      async () => {
        const b = await run.retry('get_backup', () => cloud.getBackup(id, run.signal))
        return { status: b === undefined || b.status === 'available' || b.status === 'error' ? 'deletable' : b.status }
      },
      { target: 'deletable', failures: [], timeoutMs: run.settings.healTimeoutMs, intervalMs: run.settings.pollIntervalMs, clock, sleep, signal: run.signal, what: `backup ${id}` },
    )
    await run.retry('delete_backup', () => cloud.deleteBackup(id, run.signal))
    run.step(`deleted ${id}`)
    return true
  } catch (err) {
    if (err instanceof CancelledError) throw err
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
