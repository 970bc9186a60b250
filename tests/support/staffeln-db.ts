/**
 * A Staffeln database for the adoption tests, with Staffeln's schema as its `staffeln-db-manage
 * create_schema` leaves it: SQLAlchemy's `create_all` over staffeln/db/sqlalchemy/models.py (oslo.db's
 * TimestampMixin puts `created_at`/`updated_at` first; `String(100)` → VARCHAR(100); `Integer`;
 * `Boolean` → BOOLEAN in SQLite, BOOL (TINYINT(1)) in MySQL; the `unique_backup0uuid` constraint).
 * On MySQL the models add no ENGINE/CHARSET clause for a `mysql+pymysql://` URL (their table_args()
 * compares the URL scheme to `mysql`), so the server's defaults apply. Datetimes are written as
 * SQLAlchemy writes them: naive UTC `YYYY-MM-DD HH:MM:SS.ffffff`.
 */
import SqliteDatabase from 'better-sqlite3'

export interface StaffelnBackupFixture {
  readonly backupId: string | null
  readonly projectId: string
  readonly volumeId: string
  readonly instanceId: string
  /** 1: Staffeln saw it available; 0: its follow-up row for a failed/timed-out backup. */
  readonly backupCompleted: 0 | 1
  /** null: a row written before the column existed. */
  readonly incremental: boolean | null
  readonly createdAt: Date
}

export interface StaffelnQueueFixture {
  readonly backupId: string
  readonly projectId: string
  readonly volumeId: string
  readonly instanceId: string
  readonly volumeName: string
  readonly instanceName: string
  /** 0 planned, 1 in progress, 2 completed, 3 failed. */
  readonly backupStatus: 0 | 1 | 2 | 3
  readonly incremental: boolean
  readonly reason: string | null
  readonly createdAt: Date
}

export interface StaffelnFixture {
  readonly backups: readonly StaffelnBackupFixture[]
  readonly queue: readonly StaffelnQueueFixture[]
}

/** The tables of models.py as SQLAlchemy emits them for each dialect. */
export const STAFFELN_DDL = {
  sqlite: [
    `CREATE TABLE backup_data (
	created_at DATETIME, 
	updated_at DATETIME, 
	id INTEGER NOT NULL, 
	backup_id VARCHAR(100), 
	project_id VARCHAR(100), 
	volume_id VARCHAR(100), 
	instance_id VARCHAR(100), 
	backup_completed INTEGER, 
	incremental BOOLEAN, 
	PRIMARY KEY (id), 
	CONSTRAINT unique_backup0uuid UNIQUE (backup_id)
)`,
    `CREATE TABLE queue_data (
	created_at DATETIME, 
	updated_at DATETIME, 
	id INTEGER NOT NULL, 
	backup_id VARCHAR(100), 
	project_id VARCHAR(100), 
	volume_id VARCHAR(100), 
	backup_status INTEGER, 
	instance_id VARCHAR(100), 
	volume_name VARCHAR(100), 
	instance_name VARCHAR(100), 
	incremental BOOLEAN, 
	reason VARCHAR(255), 
	PRIMARY KEY (id)
)`,
    `CREATE TABLE report_timestamp (
	created_at DATETIME, 
	updated_at DATETIME, 
	id INTEGER NOT NULL, 
	sender VARCHAR(255), 
	PRIMARY KEY (id)
)`,
  ],
  mysql: [
    `CREATE TABLE backup_data (
	created_at DATETIME, 
	updated_at DATETIME, 
	id INTEGER NOT NULL AUTO_INCREMENT, 
	backup_id VARCHAR(100), 
	project_id VARCHAR(100), 
	volume_id VARCHAR(100), 
	instance_id VARCHAR(100), 
	backup_completed INTEGER, 
	incremental BOOL, 
	PRIMARY KEY (id), 
	CONSTRAINT unique_backup0uuid UNIQUE (backup_id)
)`,
    `CREATE TABLE queue_data (
	created_at DATETIME, 
	updated_at DATETIME, 
	id INTEGER NOT NULL AUTO_INCREMENT, 
	backup_id VARCHAR(100), 
	project_id VARCHAR(100), 
	volume_id VARCHAR(100), 
	backup_status INTEGER, 
	instance_id VARCHAR(100), 
	volume_name VARCHAR(100), 
	instance_name VARCHAR(100), 
	incremental BOOL, 
	reason VARCHAR(255), 
	PRIMARY KEY (id)
)`,
    `CREATE TABLE report_timestamp (
	created_at DATETIME, 
	updated_at DATETIME, 
	id INTEGER NOT NULL AUTO_INCREMENT, 
	sender VARCHAR(255), 
	PRIMARY KEY (id)
)`,
  ],
} as const

/** A datetime as SQLAlchemy binds it (naive UTC, microseconds). */
export function sqlalchemyDatetime(d: Date): string {
  return `${d.toISOString().slice(0, 19).replace('T', ' ')}.${String(d.getUTCMilliseconds() * 1000).padStart(6, '0')}`
}

const literal = (v: string | number | boolean | null): string => {
  if (v === null) return 'NULL'
  if (typeof v === 'boolean') return v ? '1' : '0'
  if (typeof v === 'number') return String(v)
  return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`
}

/** INSERT statements for the fixture's rows (ids assigned by the database, in fixture order). */
export function staffelnInserts(f: StaffelnFixture): string[] {
  const backups = f.backups.map(
    (b) =>
      `INSERT INTO backup_data (created_at, updated_at, backup_id, project_id, volume_id, instance_id, backup_completed, incremental) VALUES (${[
        sqlalchemyDatetime(b.createdAt),
        null,
        b.backupId,
        b.projectId,
        b.volumeId,
        b.instanceId,
        b.backupCompleted,
        b.incremental,
      ]
        .map(literal)
        .join(', ')})`,
  )
  const queue = f.queue.map(
    (q) =>
      `INSERT INTO queue_data (created_at, updated_at, backup_id, project_id, volume_id, backup_status, instance_id, volume_name, instance_name, incremental, reason) VALUES (${[
        sqlalchemyDatetime(q.createdAt),
        null,
        q.backupId,
        q.projectId,
        q.volumeId,
        q.backupStatus,
        q.instanceId,
        q.volumeName,
        q.instanceName,
        q.incremental,
        q.reason,
      ]
        .map(literal)
        .join(', ')})`,
  )
  return [...backups, ...queue]
}

/** Creates a Staffeln SQLite database at `path` (schema + rows) and closes it. */
export function createStaffelnSqlite(path: string, f: StaffelnFixture, ddl: readonly string[] = STAFFELN_DDL.sqlite): void {
  const db = new SqliteDatabase(path)
  try {
    db.transaction(() => {
      for (const s of [...ddl, ...staffelnInserts(f)]) db.exec(s)
    })()
  } finally {
    db.close()
  }
}
