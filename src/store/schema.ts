/**
 * Row types of the one schema both dialects share (Kysely's `Database` interface).
 *
 * Timestamps are epoch milliseconds in a 64-bit integer column (`bigint`): SQLite stores them as
 * INTEGER, PostgreSQL as BIGINT, which the pool parses to a JS number (safe up to year 287396).
 * Integers compare and sort the same on both, with no time-zone or collation surprise.
 * Booleans are 0/1 integers for the same reason.
 */
export type Millis = number

export interface BackupTasksTable {
  id: string
  cycle_id: string
  project_id: string
  server_id: string
  server_name: string
  volume_id: string
  volume_name: string
  kind: string
  state: string
  backup_name: string | null
  backup_id: string | null
  parent_backup_id: string | null
  planned_at: Millis
  started_at: Millis | null
  finished_at: Millis | null
  deadline_at: Millis | null
  owner: string | null
  lease_expires_at: Millis | null
  attempts: number
  error_code: string | null
  error_message: string | null
  reported: number
}

export interface BackupsTable {
  backup_id: string
  volume_id: string
  server_id: string | null
  project_id: string
  name: string | null
  kind: string
  parent_backup_id: string | null
  status: string
  created_at: Millis
  completed_at: Millis | null
  deleted_at: Millis | null
  retention_source: string | null
  task_id: string | null
}

export interface LeasesTable {
  name: string
  owner: string
  acquired_at: Millis
  expires_at: Millis
}

export interface RunsTable {
  id: string
  kind: string
  started_at: Millis
  finished_at: Millis | null
  exit_status: number | null
  /** JSON text. */
  summary: string
}

export interface Database {
  backup_tasks: BackupTasksTable
  backups: BackupsTable
  leases: LeasesTable
  runs: RunsTable
}
