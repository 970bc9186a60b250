/**
 * The store as its consumers see it: backup tasks claimed atomically by workers (the backup
 * conductor), tracked backups (retention, the protection API), a leader lease (one planner at a
 * time across daemons) and a run log (`db status`, health). store/ implements it over SQLite or
 * PostgreSQL. Time is always passed in as `now`; the store never reads a clock.
 *
 * Mutations of a task name the `owner` that claimed it: when the task now belongs to someone else
 * (its lease expired and another worker re-claimed it) they throw an AppError with code
 * STORE_CONFLICT and change nothing. Owners must be unique per worker (e.g. `host:pid:random`).
 */
import type { ErrorInfo } from './errors.ts'

/** planned → started → succeeded | failed | cancelled | over_quota. */
export const TASK_STATES = ['planned', 'started', 'succeeded', 'failed', 'cancelled', 'over_quota'] as const
export type TaskState = (typeof TASK_STATES)[number]

/** States in which a task is still open; a volume has at most one open task. */
export const OPEN_TASK_STATES = ['planned', 'started'] as const satisfies readonly TaskState[]
export type OpenTaskState = (typeof OPEN_TASK_STATES)[number]

export const TASK_OUTCOMES = ['succeeded', 'failed', 'cancelled', 'over_quota'] as const satisfies readonly TaskState[]
export type TaskOutcome = (typeof TASK_OUTCOMES)[number]

export const BACKUP_KINDS = ['full', 'incremental'] as const
export type BackupKind = (typeof BACKUP_KINDS)[number]

export interface BackupTask {
  readonly id: string
  readonly cycleId: string
  readonly projectId: string
  readonly serverId: string
  readonly serverName: string
  readonly volumeId: string
  readonly volumeName: string
  readonly kind: BackupKind
  readonly state: TaskState
  /**
   * The backup name recorded BEFORE the create request is sent (the intent). A task with a
   * `backupName` and no `backupId` may have a backup in Cinder: find it by name before sending again.
   */
  readonly backupName?: string
  /** The Cinder backup id, recorded the moment the create request answers. */
  readonly backupId?: string
  readonly parentBackupId?: string
  readonly plannedAt: Date
  readonly startedAt?: Date
  readonly finishedAt?: Date
  readonly deadlineAt?: Date
  /** The worker holding the task; kept after finishing (who finished it). */
  readonly owner?: string
  /** Until when `owner` holds the task; after it, any worker may re-claim it. Cleared on finish. */
  readonly leaseExpiresAt?: Date
  /** How many times the task was claimed (a value above 1 means a worker died or gave it up). */
  readonly attempts: number
  readonly errorCode?: string
  readonly errorMessage?: string
  readonly reported: boolean
}

/** A task to plan; `id` is generated when absent. */
/** One task to close (BackupTaskStore.finishTasks), with its backup's new status when it has one. */
export interface FinishTaskEntry {
  readonly taskId: string
  readonly owner: string
  readonly outcome: TaskOutcome
  readonly now: Date
  readonly error?: ErrorInfo | undefined
  readonly backup?: { readonly backupId: string; readonly status: string; readonly completedAt?: Date | undefined } | undefined
}

export interface NewBackupTask {
  readonly id?: string
  readonly cycleId: string
  readonly projectId: string
  readonly serverId: string
  readonly serverName: string
  readonly volumeId: string
  readonly volumeName: string
  readonly kind: BackupKind
  readonly parentBackupId?: string
  readonly plannedAt: Date
  readonly deadlineAt?: Date
}

export interface PlanTasksOptions {
  /**
   * Staffeln's `backup_min_interval` in ms (default 0). A volume is also skipped when one of its
   * tasks succeeded with a backup started at or after `plannedAt - minIntervalMs`: another run
   * backed it up after this plan's listing was taken, so the plan is stale for that volume.
   */
  readonly minIntervalMs?: number
}

export interface PlanTasksResult {
  /** The tasks that were inserted. */
  readonly inserted: readonly BackupTask[]
  /**
   * Volume ids skipped because they already had an open task, a task that succeeded within the
   * min interval (see PlanTasksOptions), or the id already existed.
   */
  readonly skippedVolumeIds: readonly string[]
}

export interface ClaimOptions {
  /**
   * Only `planned` tasks (a daemon that is not the planner): a started task (in flight, or of a dead
   * worker) is left to the planner's cycle, which settles it from its listing first and takes over
   * only what is still running past its deadline.
   */
  readonly plannedOnly?: boolean
}

export interface BackupTaskStore {
  /**
   * Inserts planned tasks (results in input order), atomically against concurrent planners and
   * finishers: a volume that has an open (planned/started) task, or a task that succeeded after
   * this plan was made (PlanTasksOptions.minIntervalMs), is skipped.
   */
  planTasks(tasks: readonly NewBackupTask[], opts?: PlanTasksOptions): Promise<PlanTasksResult>
  /** Records a task that was never sent because it would exceed the project's backup quota (state `over_quota`, finished). */
  recordOverQuota(task: NewBackupTask, now: Date, error: ErrorInfo): Promise<BackupTask>
  /**
   * Atomically gives up to `limit` open tasks to `owner` for `leaseMs`: tasks nobody holds, and
   * tasks whose lease expired (their worker died). Two callers never receive the same task.
   * Oldest `plannedAt` first. The state is unchanged (a re-claimed started task stays started).
   */
  claimTasks(owner: string, limit: number, now: Date, leaseMs: number, opts?: ClaimOptions): Promise<BackupTask[]>
  /** Records the backup name about to be sent, before sending (see BackupTask.backupName). */
  recordIntent(taskId: string, owner: string, backupName: string): Promise<BackupTask>
  /** planned → started: the create request answered with `backupId`. */
  markStarted(taskId: string, owner: string, backupId: string, now: Date, deadlineAt?: Date): Promise<void>
  /**
   * Leaves a started task in flight: nobody follows it, and the next backup cycle's listing tells
   * how it ended (settleInFlight). Its lease is set to its deadline (`deadlineAt`), owner kept, so
   * claimTasks skips it until then; after the deadline a claimer takes it over to cancel it.
   * STORE_CONFLICT unless `owner` holds the started task (with a deadline).
   */
  leaveInFlight(taskId: string, owner: string): Promise<BackupTask>
  /**
   * Finishes a started task with backup `backupId` from what a listing showed, whoever sent it,
   * unless a claimer holds it past its in-flight lease (it is following or cancelling the backup:
   * that claimer finishes it). False when the task is not open with that backup, or is so held.
   */
  settleInFlight(taskId: string, backupId: string, outcome: TaskOutcome, now: Date, error?: ErrorInfo): Promise<boolean>
  /** Extends the lease of a task the owner still holds. */
  renewLease(taskId: string, owner: string, now: Date, leaseMs: number): Promise<BackupTask>
  /**
   * The check right before a create is sent: `owner` holds the task AND its lease has not expired
   * at `now`; extends it to `now + leaseMs`. Otherwise STORE_CONFLICT and nothing changes (a lease
   * that ran out may already be another worker's, whoever the row still names). With `intent`, the
   * same write records it as the task's backupName (the name about to be sent, as recordIntent).
   */
  confirmLease(taskId: string, owner: string, now: Date, leaseMs: number, intent?: string): Promise<void>
  /**
   * Gives an open task back (owner and lease cleared, state kept) so any worker may claim it at
   * once: a task not sent when its worker stops, or a started one whose backup is still running.
   */
  releaseTask(taskId: string, owner: string): Promise<BackupTask>
  /** Closes an open task held by `owner`; the lease is cleared. */
  finishTask(taskId: string, owner: string, outcome: TaskOutcome, now: Date, error?: ErrorInfo): Promise<void>
  /**
   * finishTask for many tasks in one transaction, each with its backup's status first when given
   * (updateBackupStatus): all of them are written, or (a crash) none. Per entry, in order:
   * undefined when finished, else the STORE_CONFLICT error finishTask would have thrown for it.
   */
  finishTasks(entries: readonly FinishTaskEntry[]): Promise<(Error | undefined)[]>
  /** Cancels an open task whoever holds it (operator action, volume gone); false if not open. */
  cancelTask(taskId: string, now: Date, error?: ErrorInfo): Promise<boolean>
  getTask(taskId: string): Promise<BackupTask | undefined>
  /** Planned and started tasks, oldest first. */
  openTasks(): Promise<BackupTask[]>
  /** Finished tasks not yet reported, oldest first, optionally for one project. */
  tasksForReport(projectId?: string): Promise<BackupTask[]>
  /** Marks finished tasks as reported; returns how many changed. */
  markReported(taskIds: readonly string[]): Promise<number>
  /** Deletes finished tasks (any outcome) that finished before `before`; returns how many. Open tasks are kept. */
  pruneTasks(before: Date): Promise<number>
}

/** A Cinder backup that Snapwarden created and tracks. */
export interface TrackedBackup {
  readonly backupId: string
  readonly volumeId: string
  readonly serverId?: string
  readonly projectId: string
  readonly name?: string
  readonly kind: BackupKind
  /** The backup this one depends on (incremental → its parent); undefined for a full backup. */
  readonly parentBackupId?: string
  /** The Cinder status last seen (`creating`, `available`, `error`, …). */
  readonly status: string
  readonly createdAt: Date
  readonly completedAt?: Date
  /** Set when the backup was deleted (by Snapwarden or outside it); the row is kept. */
  readonly deletedAt?: Date
  /** Where the retention rule came from (e.g. `config`, `metadata:server`). */
  readonly retentionSource?: string
  readonly taskId?: string
}

export interface BackupListQuery {
  readonly volumeId?: string
  readonly projectId?: string
  readonly includeDeleted?: boolean
}

export interface BackupCatalog {
  /** Inserts a tracked backup; false when that backup id was already tracked (nothing changes). */
  recordBackup(backup: TrackedBackup): Promise<boolean>
  /** Updates the status (and completion time); false when the backup is not tracked. */
  updateBackupStatus(backupId: string, status: string, completedAt?: Date): Promise<boolean>
  /** Oldest first. */
  listBackups(query?: BackupListQuery): Promise<TrackedBackup[]>
  getBackup(backupId: string): Promise<TrackedBackup | undefined>
  /** Closes the row of a deleted backup (first deletion time wins); false when not tracked. */
  markBackupDeleted(backupId: string, now: Date): Promise<boolean>
  /** True when Snapwarden tracks this backup and it is not deleted. */
  isTracked(backupId: string): Promise<boolean>
}

/** Tracking backups another tool made (`adopt staffeln`). */
export interface BackupAdoption {
  /**
   * Inserts the backups whose id has no row yet, in one transaction; rows that exist (tracked, or
   * closed after a deletion) are left exactly as they are, so adopting twice adds nothing.
   * Returns the ids inserted.
   */
  adoptBackups(backups: readonly TrackedBackup[]): Promise<string[]>
}

export interface LeaseStore {
  /**
   * Takes or renews the named lease for `ttlMs`: succeeds when nobody holds it, its holder's lease
   * expired, or `owner` already holds it. Exclusive across daemons sharing one database.
   */
  acquireLease(name: string, owner: string, now: Date, ttlMs: number): Promise<boolean>
  /** Gives the lease up if `owner` holds it. */
  releaseLease(name: string, owner: string): Promise<void>
}

export interface RunRecord {
  readonly id: string
  /** What ran: `backup-cycle`, `snapshot-tick`, `retention`, `report`, … */
  readonly kind: string
  readonly startedAt: Date
  readonly finishedAt?: Date
  /** Process-style exit status: 0 ok, non-zero failed; undefined while running. */
  readonly exitStatus?: number
  readonly summary: Readonly<Record<string, unknown>>
}

export interface RunLog {
  /** Inserts the run, or updates it (finish, exit status, summary) when the id exists. */
  recordRun(run: RunRecord): Promise<void>
  /** Newest first. */
  lastRuns(limit: number, kind?: string): Promise<RunRecord[]>
  /** Deletes runs started before `before`; returns how many. */
  pruneRuns(before: Date): Promise<number>
}

export interface MigrationStatus {
  /** Name of the last applied migration; undefined for an empty database. */
  readonly current?: string
  readonly applied: readonly string[]
  readonly pending: readonly string[]
}

export interface Store extends BackupTaskStore, BackupCatalog, BackupAdoption, LeaseStore, RunLog {
  readonly dialect: 'sqlite' | 'postgres'
  /** Applies pending migrations (forward only); safe to re-run and to run from two processes. */
  migrate(): Promise<{ readonly applied: readonly string[] }>
  status(): Promise<MigrationStatus>
  close(): Promise<void>
}
