import type { BackupAdoption, TrackedBackup } from '../domain/store-port.ts'
import { toBackupRow } from './row-mappers.ts'
import type { StoreContext } from './store-context.ts'

/** Rows per INSERT: 13 columns each stays far below SQLite's and PostgreSQL's parameter limits. */
const CHUNK = 500

/** Adopting backups another tool made (`adopt staffeln`): many rows of the `backups` table at once. */
export class BackupAdoptionRepo implements BackupAdoption {
  readonly #ctx: StoreContext

  constructor(ctx: StoreContext) {
    this.#ctx = ctx
  }

  async adoptBackups(backups: readonly TrackedBackup[]): Promise<string[]> {
    if (backups.length === 0) return []
    return this.#ctx.db.transaction().execute(async (trx) => {
      const inserted: string[] = []
      for (let i = 0; i < backups.length; i += CHUNK) {
        const rows = await trx
          .insertInto('backups')
          .values(
            backups.slice(i, i + CHUNK).map(toBackupRow),
          )
          // A row that exists (tracked, or closed after deletion) is left exactly as it is.
          .onConflict((oc) => oc.column('backup_id').doNothing())
          .returning('backup_id')
          .execute()
        for (const r of rows) inserted.push(r.backup_id)
      }
      return inserted
    })
  }
}
