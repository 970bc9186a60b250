import type { Store } from '../domain/store-port.ts'
import { parseStoreUrl } from './dialects.ts'
import { KyselyStore } from './kysely-store.ts'

export interface OpenStoreOptions {
  /** `sqlite:<path>`, a plain path, `:memory:` or `postgres://user:pass@host:port/db`. */
  readonly url: string
  /** PostgreSQL pool size (default 5). */
  readonly poolSize?: number
}

/**
 * Opens the store (it does not migrate: call `migrate()`, as `snapwarden db migrate` does).
 * A SQLite file's directory is created; the file uses WAL and a busy timeout, and serves one
 * machine. Several daemons may share one PostgreSQL database.
 */
export function openStore(opts: OpenStoreOptions): Store {
  return new KyselyStore(parseStoreUrl(opts.url), opts.poolSize !== undefined ? { poolSize: opts.poolSize } : {})
}
