import type { Migration, MigrationProvider } from 'kysely'
import { init } from './migrations/0001-init.ts'
import { taskHistory } from './migrations/0002-task-history.ts'
import { claimIndexes } from './migrations/0003-claim-indexes.ts'

/**
 * Every migration, in order, from a static list (no file-system scanning: works the same from
 * source, a bundle or a package). Names sort in the order they run; append, never rename.
 */
export const MIGRATIONS: Readonly<Record<string, Migration>> = Object.freeze({
  '0001-init': init,
  '0002-task-history': taskHistory,
  '0003-claim-indexes': claimIndexes,
})

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return { ...MIGRATIONS }
  },
}
