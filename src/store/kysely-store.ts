import { resolve } from 'node:path'
import { Kysely } from 'kysely'
import type { ErrorInfo } from '../domain/errors.ts'
import type {
  ClaimOptions,
  BackupListQuery,
  BackupTask,
  FinishTaskEntry,
  MigrationStatus,
  NewBackupTask,
  PlanTasksOptions,
  PlanTasksResult,
  RunRecord,
  Store,
  TaskOutcome,
  TrackedBackup,
} from '../domain/store-port.ts'
import { BackupAdoptionRepo } from './backup-adoption-repo.ts'
import { BackupCatalogRepo } from './backup-catalog-repo.ts'
import { BackupTaskRepo } from './backup-task-repo.ts'
import { openDialect, type StoreTarget } from './dialects.ts'
import { toStoreError } from './errors.ts'
import { LeaseRepo } from './lease-repo.ts'
import { RunLogRepo } from './run-log-repo.ts'
import type { Database } from './schema.ts'
import { SchemaMigrator } from './schema-migrator.ts'
import type { StoreContext } from './store-context.ts'

/**
 * The Store over Kysely, for SQLite or PostgreSQL. Each method is one statement (or one
 * transaction), so every method is atomic on its own. Driver errors that mean "cannot reach the
 * database" become StoreUnavailableError, naming the target without its password.
 */
export class KyselyStore implements Store {
  readonly dialect: 'sqlite' | 'postgres'
  /** The target as shown in messages and logs (no password). */
  readonly display: string
  readonly #db: Kysely<Database>
  readonly #tasks: BackupTaskRepo
  readonly #backups: BackupCatalogRepo
  readonly #adoption: BackupAdoptionRepo
  readonly #leases: LeaseRepo
  readonly #runs: RunLogRepo
  readonly #migrator: SchemaMigrator
  /** SQLite: the last call queued (see #guard). */
  #tail: Promise<unknown> = Promise.resolve()

  constructor(target: StoreTarget, opts: { readonly poolSize?: number } = {}) {
    const opened = openDialect(target, opts)
    this.dialect = target.dialect
    this.display = opened.display
    this.#db = new Kysely<Database>({ dialect: opened.dialect })
    const ctx: StoreContext = { db: this.#db, dialect: target.dialect, ...(opened.sqlite ? { sqlite: opened.sqlite } : {}) }
    this.#tasks = new BackupTaskRepo(ctx)
    this.#backups = new BackupCatalogRepo(ctx)
    this.#adoption = new BackupAdoptionRepo(ctx)
    this.#leases = new LeaseRepo(ctx)
    this.#runs = new RunLogRepo(ctx)
    const queueKey = target.dialect === 'sqlite' && target.path !== ':memory:' ? resolve(target.path) : undefined
    this.#migrator = new SchemaMigrator(this.#db, target.dialect, queueKey)
  }

  migrate(): Promise<{ applied: string[] }> {
    return this.#guard(() => this.#migrator.migrate())
  }
  status(): Promise<MigrationStatus> {
    return this.#guard(() => this.#migrator.status())
  }
  async close(): Promise<void> {
    await this.#db.destroy()
  }

  planTasks(tasks: readonly NewBackupTask[], opts?: PlanTasksOptions): Promise<PlanTasksResult> {
    return this.#guard(() => this.#tasks.planTasks(tasks, opts))
  }

  recordOverQuota(task: NewBackupTask, now: Date, error: ErrorInfo): Promise<BackupTask> {
    return this.#guard(() => this.#tasks.recordOverQuota(task, now, error))
  }
  claimTasks(owner: string, limit: number, now: Date, leaseMs: number, opts?: ClaimOptions): Promise<BackupTask[]> {
    return this.#guard(() => this.#tasks.claimTasks(owner, limit, now, leaseMs, opts))
  }
  recordIntent(taskId: string, owner: string, backupName: string): Promise<BackupTask> {
    return this.#guard(() => this.#tasks.recordIntent(taskId, owner, backupName))
  }
  markStarted(taskId: string, owner: string, backupId: string, now: Date, deadlineAt?: Date): Promise<void> {
    return this.#guard(() => this.#tasks.markStarted(taskId, owner, backupId, now, deadlineAt))
  }
  leaveInFlight(taskId: string, owner: string): Promise<BackupTask> {
    return this.#guard(() => this.#tasks.leaveInFlight(taskId, owner))
  }
  settleInFlight(taskId: string, backupId: string, outcome: TaskOutcome, now: Date, error?: ErrorInfo): Promise<boolean> {
    return this.#guard(() => this.#tasks.settleInFlight(taskId, backupId, outcome, now, error))
  }
  renewLease(taskId: string, owner: string, now: Date, leaseMs: number): Promise<BackupTask> {
    return this.#guard(() => this.#tasks.renewLease(taskId, owner, now, leaseMs))
  }
  confirmLease(taskId: string, owner: string, now: Date, leaseMs: number, intent?: string): Promise<void> {
    return this.#guard(() => this.#tasks.confirmLease(taskId, owner, now, leaseMs, intent))
  }
  releaseTask(taskId: string, owner: string): Promise<BackupTask> {
    return this.#guard(() => this.#tasks.releaseTask(taskId, owner))
  }
  finishTask(taskId: string, owner: string, outcome: TaskOutcome, now: Date, error?: ErrorInfo): Promise<void> {
    return this.#guard(() => this.#tasks.finishTask(taskId, owner, outcome, now, error))
  }
  finishTasks(entries: readonly FinishTaskEntry[]): Promise<(Error | undefined)[]> {
    return this.#guard(() => this.#tasks.finishTasks(entries))
  }
  cancelTask(taskId: string, now: Date, error?: ErrorInfo): Promise<boolean> {
    return this.#guard(() => this.#tasks.cancelTask(taskId, now, error))
  }
  getTask(taskId: string): Promise<BackupTask | undefined> {
    return this.#guard(() => this.#tasks.getTask(taskId))
  }
  openTasks(): Promise<BackupTask[]> {
    return this.#guard(() => this.#tasks.openTasks())
  }
  tasksForReport(projectId?: string): Promise<BackupTask[]> {
    return this.#guard(() => this.#tasks.tasksForReport(projectId))
  }
  markReported(taskIds: readonly string[]): Promise<number> {
    return this.#guard(() => this.#tasks.markReported(taskIds))
  }
  pruneTasks(before: Date): Promise<number> {
    return this.#guard(() => this.#tasks.pruneTasks(before))
  }

  recordBackup(backup: TrackedBackup): Promise<boolean> {
    return this.#guard(() => this.#backups.recordBackup(backup))
  }
  updateBackupStatus(backupId: string, status: string, completedAt?: Date): Promise<boolean> {
    return this.#guard(() => this.#backups.updateBackupStatus(backupId, status, completedAt))
  }
  listBackups(query?: BackupListQuery): Promise<TrackedBackup[]> {
    return this.#guard(() => this.#backups.listBackups(query))
  }
  getBackup(backupId: string): Promise<TrackedBackup | undefined> {
    return this.#guard(() => this.#backups.getBackup(backupId))
  }
  markBackupDeleted(backupId: string, now: Date): Promise<boolean> {
    return this.#guard(() => this.#backups.markBackupDeleted(backupId, now))
  }
  isTracked(backupId: string): Promise<boolean> {
    return this.#guard(() => this.#backups.isTracked(backupId))
  }

  adoptBackups(backups: readonly TrackedBackup[]): Promise<string[]> {
    return this.#guard(() => this.#adoption.adoptBackups(backups))
  }

  acquireLease(name: string, owner: string, now: Date, ttlMs: number): Promise<boolean> {
    return this.#guard(() => this.#leases.acquireLease(name, owner, now, ttlMs))
  }
  releaseLease(name: string, owner: string): Promise<void> {
    return this.#guard(() => this.#leases.releaseLease(name, owner))
  }

  recordRun(run: RunRecord): Promise<void> {
    return this.#guard(() => this.#runs.recordRun(run))
  }
  lastRuns(limit: number, kind?: string): Promise<RunRecord[]> {
    return this.#guard(() => this.#runs.lastRuns(limit, kind))
  }
  pruneRuns(before: Date): Promise<number> {
    return this.#guard(() => this.#runs.pruneRuns(before))
  }

  #guard<T>(fn: () => Promise<T>): Promise<T> {
    if (this.dialect !== 'sqlite') return this.#run(fn)
    // SQLite has one connection, which Kysely hands out behind a mutex that wakes every waiter at
    // each release: thousands of calls at once (a listing round settling every backup in flight)
    // cost quadratic wake-ups. Queued here in call order, at most one waits for it.
    const run = this.#tail.then(() => this.#run(fn))
    this.#tail = run.then(
      () => undefined,
      () => undefined,
    )
    return run
  }

  async #run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (err) {
      throw toStoreError(err, this.display)
    }
  }
}
