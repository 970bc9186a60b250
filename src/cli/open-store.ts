/** Opens the store named by --db / SNAPWARDEN_DB / config database.url, else SQLite in the state dir. */
import { homedir } from 'node:os'
import type { Store } from '../domain/store-port.ts'
import { UserError } from '../domain/errors.ts'
import { defaultStoreUrl, openStore, redactUrl } from '../store/index.ts'
import type { CliDeps } from './deps.ts'

export function storeUrl(deps: CliDeps, flag?: string): string {
  return storeUrlFrom(deps, flag).url
}

/** The store URL and what set it (`--db`, `SNAPWARDEN_DB`, `database.url`, or the default). */
function storeUrlFrom(deps: CliDeps, flag?: string): { url: string; source: string } {
  if (flag !== undefined) return { url: flag, source: '--db' }
  if (deps.env.SNAPWARDEN_DB !== undefined) return { url: deps.env.SNAPWARDEN_DB, source: 'SNAPWARDEN_DB' }
  const configured = deps.config().database.url
  if (configured !== undefined) return { url: configured, source: 'config database.url' }
  return { url: defaultStoreUrl(deps.env, homedir()), source: 'the default store' }
}

/** Opens the store; a URL that cannot be used is a UserError (exit 1) naming where it was set. */
export function openStoreFrom(deps: CliDeps, flag?: string): { store: Store; url: string } {
  const { url, source } = storeUrlFrom(deps, flag)
  try {
    return { store: openStore({ url }), url }
  } catch (err) {
    if (err instanceof UserError) throw new UserError(`${source}: ${err.message}`, err.code, { cause: err })
    throw err
  }
}

export async function openMigratedStore(deps: CliDeps, flag?: string): Promise<Store> {
  const { store, url } = openStoreFrom(deps, flag)
  deps.onClose(() => store.close())
  const { applied } = await store.migrate()
  if (applied.length) deps.logger.info({ store: redactUrl(url), applied }, 'store migrated')
  return store
}
