/** Opens the store named by --db / SNAPWARDEN_DB / config database.url, else SQLite in the state dir. */
import { homedir } from 'node:os'
import type { Store } from '../domain/store-port.ts'
import { defaultStoreUrl, openStore, redactUrl } from '../store/index.ts'
import type { CliDeps } from './deps.ts'

export function storeUrl(deps: CliDeps, flag?: string): string {
  return flag ?? deps.env.SNAPWARDEN_DB ?? deps.config().database.url ?? defaultStoreUrl(deps.env, homedir())
}

export async function openMigratedStore(deps: CliDeps, flag?: string): Promise<Store> {
  const url = storeUrl(deps, flag)
  const store = openStore({ url })
  deps.onClose(() => store.close())
  const { applied } = await store.migrate()
  if (applied.length) deps.logger.info({ store: redactUrl(url), applied }, 'store migrated')
  return store
}
