import { UserError } from '../domain/errors.ts'
import type { Store } from '../domain/store-port.ts'
import { parseStoreUrl, type StoreTarget } from './dialects.ts'
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
  return new KyselyStore(storeTarget(opts.url), opts.poolSize !== undefined ? { poolSize: opts.poolSize } : {})
}

/** A URL we cannot read (empty, an unsupported scheme) is the user's to fix: a UserError (CONFIG_INVALID). */
function storeTarget(url: string): StoreTarget {
  try {
    return parseStoreUrl(url)
  } catch (err) {
    // parseStoreUrl's messages name the URL without its password.
    throw new UserError((err as Error).message, 'CONFIG_INVALID', { cause: err })
  }
}
