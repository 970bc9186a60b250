import { Migrator, sql, type Kysely, type MigrationResultSet } from 'kysely'
import type { MigrationStatus } from '../domain/store-port.ts'
import { isUnavailable, StoreMigrationError } from './errors.ts'
import { migrationProvider } from './migration-provider.ts'
import type { Database } from './schema.ts'

/** Attempts when another process held the SQLite write lock past busy_timeout. */
const SQLITE_BUSY_ATTEMPTS = 5

/**
 * In-process queue per SQLite file: better-sqlite3 waits for a lock synchronously, so two
 * connections of one process migrating the same file would block each other's event loop.
 */
const sqliteQueues = new Map<string, Promise<unknown>>()

/**
 * Runs the static migration list with Kysely's Migrator, so that two processes migrating at once
 * apply each migration exactly once. PostgreSQL: Kysely holds an advisory lock for the whole run
 * (and each run is one transaction). SQLite: Kysely takes no lock, so the whole run, its own
 * bookkeeping included, happens inside one `BEGIN IMMEDIATE` transaction: the second process
 * waits for the first to commit, then finds nothing pending.
 */
export class SchemaMigrator {
  readonly #db: Kysely<Database>
  readonly #migrator: Migrator
  readonly #dialect: 'sqlite' | 'postgres'
  readonly #queueKey: string | undefined

  /** `queueKey`: the absolute path of a SQLite file (undefined for PostgreSQL and `:memory:`). */
  constructor(db: Kysely<Database>, dialect: 'sqlite' | 'postgres', queueKey?: string) {
    this.#db = db
    // SQLite: the run is wrapped in our own immediate transaction, so Kysely must not open one.
    this.#migrator = new Migrator({ db, provider: migrationProvider, disableTransactions: dialect === 'sqlite' })
    this.#dialect = dialect
    this.#queueKey = queueKey
  }

  async migrate(): Promise<{ applied: string[] }> {
    const key = this.#queueKey
    if (key === undefined) return this.#migrate()
    const previous = sqliteQueues.get(key) ?? Promise.resolve()
    const mine = previous.catch(() => {}).then(() => this.#migrate())
    sqliteQueues.set(key, mine)
    try {
      return await mine
    } finally {
      if (sqliteQueues.get(key) === mine) sqliteQueues.delete(key)
    }
  }

  async status(): Promise<MigrationStatus> {
    let infos
    try {
      infos = await this.#migrator.getMigrations()
    } catch (err) {
      if (isUnavailable(err)) throw err
      throw new StoreMigrationError(`cannot read migration state: ${(err as Error).message}`, { cause: err })
    }
    const applied = infos.filter((m) => m.executedAt !== undefined).map((m) => m.name)
    const pending = infos.filter((m) => m.executedAt === undefined).map((m) => m.name)
    return { ...(applied.length ? { current: applied[applied.length - 1] } : {}), applied, pending }
  }

  async #migrate(): Promise<{ applied: string[] }> {
    for (let attempt = 1; ; attempt++) {
      const { error, results = [] } = this.#dialect === 'sqlite' ? await this.#sqliteRun() : await this.#migrator.migrateToLatest()
      if (!error) return { applied: results.filter((r) => r.status === 'Success').map((r) => r.migrationName) }
      if (this.#dialect === 'sqlite' && isSqliteBusy(error) && attempt < SQLITE_BUSY_ATTEMPTS) continue
      if (isUnavailable(error)) throw error // the store maps it to StoreUnavailableError
      const failed = results.find((r) => r.status === 'Error')?.migrationName
      const message = error instanceof Error ? error.message : String(error)
      throw new StoreMigrationError(failed ? `migration ${failed} failed: ${message}` : `migration failed: ${message}`, {
        cause: error,
      })
    }
  }

  /** One migration run inside BEGIN IMMEDIATE; rolled back entirely when anything fails. */
  async #sqliteRun(): Promise<MigrationResultSet> {
    try {
      await sql`begin immediate`.execute(this.#db)
    } catch (error) {
      return { error }
    }
    let committed = false
    try {
      const result = await this.#migrator.migrateToLatest()
      if (result.error) return result
      await sql`commit`.execute(this.#db)
      committed = true
      return result
    } catch (error) {
      return { error }
    } finally {
      if (!committed) await sql`rollback`.execute(this.#db).catch(() => {})
    }
  }
}

function isSqliteBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
}
