import type SqliteDatabase from 'better-sqlite3'
import { sql, type Kysely } from 'kysely'
import type { BackupCatalog, BackupListQuery, TrackedBackup } from '../domain/store-port.ts'
import { toBackupRow, toTrackedBackup } from './row-mappers.ts'
import { statement } from './sqlite-statements.ts'
import type { Database } from './schema.ts'
import type { StoreContext } from './store-context.ts'

/** The `backups` table: Cinder backups Snapwarden created, kept (closed) after deletion. */
export class BackupCatalogRepo implements BackupCatalog {
  readonly #ctx: StoreContext

  constructor(ctx: StoreContext) {
    this.#ctx = ctx
  }

  async recordBackup(b: TrackedBackup): Promise<boolean> {
    const { sqlite } = this.#ctx
    if (sqlite) {
      // As below, on the raw handle (see sqlite-statements.ts).
      const r = toBackupRow(b)
      const columns = Object.keys(r) as (keyof typeof r)[]
      const stmt = statement(
        sqlite,
        `insert into "backups" (${columns.map((c) => `"${c}"`).join(', ')}) values (${columns.map(() => '?').join(', ')}) on conflict ("backup_id") do nothing`,
      )
      return stmt.run(...columns.map((c) => r[c] ?? null)).changes > 0
    }
    const row = await this.#ctx.db
      .insertInto('backups')
      .values(toBackupRow(b))
      .onConflict((oc) => oc.column('backup_id').doNothing())
      .returning('backup_id')
      .executeTakeFirst()
    return row !== undefined
  }

  async updateBackupStatus(backupId: string, status: string, completedAt?: Date): Promise<boolean> {
    const { sqlite, db } = this.#ctx
    // As below, on the raw handle (see sqlite-statements.ts).
    if (sqlite) return sqliteUpdateBackupStatus(sqlite, backupId, status, completedAt)
    return updateBackupStatusIn(db, backupId, status, completedAt)
  }

  async listBackups(query: BackupListQuery = {}): Promise<TrackedBackup[]> {
    let q = this.#ctx.db.selectFrom('backups').selectAll()
    if (query.volumeId !== undefined) q = q.where('volume_id', '=', query.volumeId)
    if (query.projectId !== undefined) q = q.where('project_id', '=', query.projectId)
    if (!query.includeDeleted) q = q.where('deleted_at', 'is', null)
    const rows = await q.orderBy('created_at').orderBy('backup_id').execute()
    return rows.map(toTrackedBackup)
  }

  async getBackup(backupId: string): Promise<TrackedBackup | undefined> {
    const row = await this.#ctx.db.selectFrom('backups').selectAll().where('backup_id', '=', backupId).executeTakeFirst()
    return row && toTrackedBackup(row)
  }

  async markBackupDeleted(backupId: string, now: Date): Promise<boolean> {
    const res = await this.#ctx.db
      .updateTable('backups')
      .set({ deleted_at: sql<number>`coalesce(deleted_at, ${now.getTime()})` })
      .where('backup_id', '=', backupId)
      .executeTakeFirst()
    return Number(res.numUpdatedRows) > 0
  }

  async isTracked(backupId: string): Promise<boolean> {
    const row = await this.#ctx.db
      .selectFrom('backups')
      .select('backup_id')
      .where('backup_id', '=', backupId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst()
    return row !== undefined
  }
}

/** A tracked backup's status (and first completion time), on SQLite's raw handle; false when not tracked. */
export function sqliteUpdateBackupStatus(sqlite: SqliteDatabase.Database, backupId: string, status: string, completedAt?: Date): boolean {
  const done = completedAt
    ? statement(sqlite, `update "backups" set "status" = ?, "completed_at" = coalesce("completed_at", ?) where "backup_id" = ?`).run(status, completedAt.getTime(), backupId)
    : statement(sqlite, `update "backups" set "status" = ? where "backup_id" = ?`).run(status, backupId)
  return done.changes > 0
}

/** The same through Kysely (PostgreSQL, or within a transaction). */
export async function updateBackupStatusIn(db: Kysely<Database>, backupId: string, status: string, completedAt?: Date): Promise<boolean> {
  const res = await db
    .updateTable('backups')
    .set((eb) => ({
      status,
      // The first completion time recorded wins.
      ...(completedAt ? { completed_at: eb.fn.coalesce('completed_at', eb.val(completedAt.getTime())) } : {}),
    }))
    .where('backup_id', '=', backupId)
    .executeTakeFirst()
  return Number(res.numUpdatedRows) > 0
}
