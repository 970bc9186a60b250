import type SqliteDatabase from 'better-sqlite3'
import type { Kysely } from 'kysely'
import type { Database } from './schema.ts'

/** What every repository of the store shares. */
export interface StoreContext {
  readonly db: Kysely<Database>
  readonly dialect: 'sqlite' | 'postgres'
  /** SQLite only: the raw handle, for synchronous `BEGIN IMMEDIATE` transactions. */
  readonly sqlite?: SqliteDatabase.Database
}
