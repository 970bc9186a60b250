import { sql } from 'kysely'
import type { BackupCatalog, BackupListQuery, TrackedBackup } from '../domain/store-port.ts'
import { toBackupRow, toTrackedBackup } from './row-mappers.ts'
import type { StoreContext } from './store-context.ts'

/** The `backups` table: Cinder backups Snapwarden created, kept (closed) after deletion. */
export class BackupCatalogRepo implements BackupCatalog {
  readonly #ctx: StoreContext

  constructor(ctx: StoreContext) {
    this.#ctx = ctx
  }

  async recordBackup(b: TrackedBackup): Promise<boolean> {
    const row = await this.#ctx.db
      .insertInto('backups')
      .values(toBackupRow(b))
      .onConflict((oc) => oc.column('backup_id').doNothing())
      .returning('backup_id')
      .executeTakeFirst()
    return row !== undefined
  }

  async updateBackupStatus(backupId: string, status: string, completedAt?: Date): Promise<boolean> {
    const res = await this.#ctx.db
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
