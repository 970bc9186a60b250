/**
 * Staffeln's tables as Kysely sees them (staffeln/db/sqlalchemy/models.py: oslo.db's TimestampMixin
 * adds `created_at`/`updated_at` DATETIME; String(100) columns; `backup_completed` Integer;
 * `incremental` Boolean, TINYINT(1) on MySQL). Values are typed as the drivers hand them over:
 * DATETIME as text (mysql2 with `dateStrings`, SQLite's text), booleans as 0/1.
 */
export interface StaffelnBackupDataTable {
  id: number
  backup_id: string | null
  project_id: string | null
  volume_id: string | null
  instance_id: string | null
  backup_completed: number | null
  incremental: number | null
  created_at: string | null
  updated_at: string | null
}

export interface StaffelnQueueDataTable {
  id: number
  backup_id: string | null
  project_id: string | null
  volume_id: string | null
  backup_status: number | null
  instance_id: string | null
  volume_name: string | null
  instance_name: string | null
  incremental: number | null
  reason: string | null
  created_at: string | null
  updated_at: string | null
}

export interface StaffelnDatabase {
  backup_data: StaffelnBackupDataTable
  queue_data: StaffelnQueueDataTable
}
