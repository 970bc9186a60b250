/**
 * Staffeln's database as `snapwarden adopt staffeln` reads it: the rows of its `backup_data` and
 * `queue_data` tables (staffeln/db/sqlalchemy/models.py), with its column names in camelCase and its
 * naive UTC datetimes as Dates. store/ reads them (read-only); planner/ turns them into tracked
 * backups; nothing here writes to Staffeln.
 */

/** A `backup_data` row: a backup Staffeln made and protects (its API refuses deletes of these ids). */
export interface StaffelnBackupRow {
  /** `id`: Staffeln's own row number. */
  readonly rowId: number
  readonly backupId: string | null
  readonly projectId: string | null
  readonly volumeId: string | null
  readonly instanceId: string | null
  /**
   * `backup_completed`: 1 when Staffeln saw the backup `available`; 0 for the follow-up row it writes
   * for a failed or timed-out backup that its retention still has to delete (dated ten years back).
   */
  readonly backupCompleted: number | null
  /** `incremental`; null on rows written before Staffeln had the column (it then made full backups only). */
  readonly incremental: boolean | null
  readonly createdAt: Date | null
}

/** `queue_data.backup_status` (staffeln/common/constants.py). */
export const STAFFELN_QUEUE_STATUS = { planned: 0, inProgress: 1, completed: 2, failed: 3 } as const

/** A `queue_data` row: one backup task of Staffeln's conductor. */
export interface StaffelnQueueRow {
  readonly rowId: number
  /** The Cinder backup id, or null while none was created (Staffeln writes the text `NULL` then). */
  readonly backupId: string | null
  readonly projectId: string | null
  readonly volumeId: string | null
  readonly volumeName: string | null
  readonly instanceId: string | null
  readonly instanceName: string | null
  /** 0 planned, 1 in progress, 2 completed, 3 failed (STAFFELN_QUEUE_STATUS); null if unset. */
  readonly backupStatus: number | null
  readonly incremental: boolean | null
  readonly reason: string | null
  readonly createdAt: Date | null
}

/** What one read-only pass over Staffeln's database gives. */
export interface StaffelnDatabaseRead {
  /** Every `backup_data` row, by `id`. */
  readonly backups: readonly StaffelnBackupRow[]
  /** `queue_data` rows that are not finished (planned or in progress, or an unknown status), by `id`. */
  readonly unfinishedTasks: readonly StaffelnQueueRow[]
  /** How many `queue_data` rows are finished (completed or failed; Staffeln purges them after reporting). */
  readonly finishedTasks: number
}
