/**
 * Reads Staffeln's database, read-only, for `snapwarden adopt staffeln`.
 *
 * - MySQL/MariaDB (as oslo.db writes it) through mysql2 and Kysely's MysqlDialect: one connection,
 *   both tables read in one `READ ONLY`, `REPEATABLE READ` transaction (one consistent snapshot; the
 *   server refuses any write in it). Only SELECTs are sent, so a user with just `SELECT` on the
 *   database is enough.
 * - SQLite through better-sqlite3 opened with `readonly: true` and `fileMustExist: true`.
 *
 * Columns added by Staffeln's later migrations (`incremental`, `queue_data.reason`, `volume_name`,
 * `instance_name`) are read as NULL when an older schema lacks them; a missing table or core column
 * is a StaffelnSchemaError naming it. Every failure names the database without its password.
 */
import { readFileSync } from 'node:fs'
import SqliteDatabase from 'better-sqlite3'
import { Kysely, MysqlDialect, SqliteDialect, sql, type Dialect } from 'kysely'
import { createPool } from 'mysql2'
import { AppError } from '../../domain/errors.ts'
import type { StaffelnBackupRow, StaffelnDatabaseRead, StaffelnQueueRow } from '../../domain/staffeln-rows.ts'
import { STAFFELN_QUEUE_STATUS } from '../../domain/staffeln-rows.ts'
import { StaffelnSchemaError, StaffelnUnavailableError } from './staffeln-errors.ts'
import type { StaffelnDatabase } from './staffeln-schema.ts'
import { parseStaffelnUrl, type StaffelnMysqlTarget, type StaffelnTarget } from './staffeln-url.ts'

/** Columns every Staffeln schema has (the initial models); the others may be missing on old installs. */
const REQUIRED = {
  backup_data: ['id', 'backup_id', 'project_id', 'volume_id', 'instance_id', 'backup_completed', 'created_at'],
  queue_data: ['id', 'backup_id', 'project_id', 'volume_id', 'instance_id', 'backup_status', 'created_at'],
} as const
const OPTIONAL = {
  backup_data: ['incremental'],
  queue_data: ['incremental', 'reason', 'volume_name', 'instance_name'],
} as const

export interface StaffelnReadOptions {
  /** MySQL: how long connecting may take (default 10 s). */
  readonly connectTimeoutMs?: number
}

/** Reads `backup_data` and the unfinished `queue_data` rows of the Staffeln database at `url`. */
export async function readStaffelnDatabase(url: string, opts: StaffelnReadOptions = {}): Promise<StaffelnDatabaseRead & { readonly display: string }> {
  const target = parseStaffelnUrl(url)
  const secret = target.dialect === 'mysql' ? target.password : undefined
  let db: Kysely<StaffelnDatabase> | undefined
  try {
    db = new Kysely<StaffelnDatabase>({ dialect: openDialect(target, opts) })
    const columns = await presentColumns(db)
    const read = await readTables(db, target, columns)
    return { ...read, display: target.display }
  } catch (err) {
    throw readError(err, target, secret)
  } finally {
    await db?.destroy().catch(() => {})
  }
}

function openDialect(target: StaffelnTarget, opts: StaffelnReadOptions): Dialect {
  if (target.dialect === 'sqlite') {
    let database: SqliteDatabase.Database
    try {
      database = new SqliteDatabase(target.path, { readonly: true, fileMustExist: true })
    } catch (err) {
      throw new StaffelnUnavailableError(`Staffeln database ${target.display} cannot be opened read-only: ${(err as Error).message}`, { cause: err })
    }
    return new SqliteDialect({ database })
  }
  return new MysqlDialect({ pool: createPool(mysqlOptions(target, opts)) })
}

function mysqlOptions(t: StaffelnMysqlTarget, opts: StaffelnReadOptions) {
  const ssl = t.ssl && {
    ...(t.ssl.ca ? { ca: readPem(t.ssl.ca, 'ssl_ca', t) } : {}),
    ...(t.ssl.cert ? { cert: readPem(t.ssl.cert, 'ssl_cert', t) } : {}),
    ...(t.ssl.key ? { key: readPem(t.ssl.key, 'ssl_key', t) } : {}),
  }
  return {
    ...(t.socketPath ? { socketPath: t.socketPath } : { host: t.host, port: t.port }),
    ...(t.user !== undefined ? { user: t.user } : {}),
    ...(t.password !== undefined ? { password: t.password } : {}),
    database: t.database,
    ...(ssl ? { ssl } : {}),
    connectionLimit: 1,
    connectTimeout: opts.connectTimeoutMs ?? 10_000,
    // DATETIME as written ('YYYY-MM-DD HH:MM:SS[.ffffff]'): Staffeln stores naive UTC, read as UTC here.
    dateStrings: true,
    supportBigNumbers: true,
    charset: 'utf8mb4',
  }
}

function readPem(path: string, parameter: string, t: StaffelnMysqlTarget): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (err) {
    throw new StaffelnUnavailableError(`Staffeln database ${t.display}: ${parameter} file ${path} cannot be read: ${(err as Error).message}`, { cause: err })
  }
}

type Present = Readonly<Record<keyof typeof REQUIRED, ReadonlySet<string>>>

async function presentColumns(db: Kysely<StaffelnDatabase>): Promise<Present> {
  const tables = await db.introspection.getTables()
  const columnsOf = (name: string): Set<string> => new Set(tables.find((t) => t.name === name)?.columns.map((c) => c.name.toLowerCase()) ?? [])
  const present = { backup_data: columnsOf('backup_data'), queue_data: columnsOf('queue_data') }
  const missing: string[] = []
  for (const table of ['backup_data', 'queue_data'] as const) {
    if (present[table].size === 0) missing.push(`table ${table}`)
    else for (const c of REQUIRED[table]) if (!present[table].has(c)) missing.push(`${table}.${c}`)
  }
  if (missing.length) {
    throw new StaffelnSchemaError(`not a Staffeln database: missing ${missing.join(', ')} (expected Staffeln's backup_data and queue_data tables)`)
  }
  return present
}

async function readTables(db: Kysely<StaffelnDatabase>, target: StaffelnTarget, present: Present): Promise<StaffelnDatabaseRead> {
  const opt = <T extends 'backup_data' | 'queue_data'>(table: T, column: (typeof OPTIONAL)[T][number]) =>
    present[table].has(column) ? sql.ref(column) : sql`null`
  const read = async (q: Kysely<StaffelnDatabase>): Promise<StaffelnDatabaseRead> => {
    const backups = await q
      .selectFrom('backup_data')
      .select(['id', 'backup_id', 'project_id', 'volume_id', 'instance_id', 'backup_completed', 'created_at'])
      .select(opt('backup_data', 'incremental').as('incremental'))
      .orderBy('id')
      .execute()
    const finished: number[] = [STAFFELN_QUEUE_STATUS.completed, STAFFELN_QUEUE_STATUS.failed]
    const tasks = await q
      .selectFrom('queue_data')
      .select(['id', 'backup_id', 'project_id', 'volume_id', 'instance_id', 'backup_status', 'created_at'])
      .select([
        opt('queue_data', 'volume_name').as('volume_name'),
        opt('queue_data', 'instance_name').as('instance_name'),
        opt('queue_data', 'incremental').as('incremental'),
        opt('queue_data', 'reason').as('reason'),
      ])
      .orderBy('id')
      .execute()
    const unfinished = tasks.filter((t) => t.backup_status === null || !finished.includes(Number(t.backup_status)))
    return {
      backups: backups.map(
        (r): StaffelnBackupRow => ({
          rowId: Number(r.id),
          backupId: text(r.backup_id),
          projectId: text(r.project_id),
          volumeId: text(r.volume_id),
          instanceId: text(r.instance_id),
          backupCompleted: r.backup_completed === null ? null : Number(r.backup_completed),
          incremental: bool(r.incremental),
          createdAt: utcDate(r.created_at),
        }),
      ),
      unfinishedTasks: unfinished.map(
        (r): StaffelnQueueRow => ({
          rowId: Number(r.id),
          backupId: text(r.backup_id),
          projectId: text(r.project_id),
          volumeId: text(r.volume_id),
          volumeName: text(r.volume_name),
          instanceId: text(r.instance_id),
          instanceName: text(r.instance_name),
          backupStatus: r.backup_status === null ? null : Number(r.backup_status),
          incremental: bool(r.incremental),
          reason: text(r.reason),
          createdAt: utcDate(r.created_at),
        }),
      ),
      finishedTasks: tasks.length - unfinished.length,
    }
  }
  // SQLite: the connection itself is read-only. MySQL: one read-only transaction, one snapshot.
  if (target.dialect === 'sqlite') return read(db)
  return db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute(read)
}

const text = (v: unknown): string | null => (v === null || v === undefined ? null : String(v))

/** SQLAlchemy's Boolean: TINYINT(1) on MySQL, 0/1 in SQLite. */
function bool(v: unknown): boolean | null {
  if (v === null || v === undefined) return null
  if (typeof v === 'boolean') return v
  return Number(v) !== 0
}

/** SQLAlchemy's DateTime without a zone: `YYYY-MM-DD HH:MM:SS[.ffffff]`, naive UTC (oslo's utcnow). */
export function utcDate(v: unknown): Date | null {
  if (v === null || v === undefined) return null
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/.exec(String(v).trim())
  if (!m) return null
  const [, y, mo, d, h, mi, s, frac = ''] = m
  const ms = Math.floor(Number(frac.padEnd(6, '0')) / 1000)
  const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms))
  return Number.isNaN(date.getTime()) ? null : date
}

/** Any failure, named with the redacted URL; the password is scrubbed from driver messages too. */
function readError(err: unknown, target: StaffelnTarget, secret: string | undefined): AppError {
  if (err instanceof AppError) return err
  let message = err instanceof Error ? err.message : String(err)
  if (secret) message = message.split(secret).join('***')
  message = message.replace(/(\/\/[^/:@\s]*:)[^@\s]*@/g, '$1***@')
  return new StaffelnUnavailableError(`Staffeln database ${target.display} cannot be read: ${message}`, { cause: err })
}
