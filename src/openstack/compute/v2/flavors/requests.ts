import { paginate } from '../../../core/pagination.ts'
import type { ServiceClient } from '../../../core/service-client.ts'
import { parseFlavor, type Flavor } from './results.ts'
import { listDetailUrl } from './urls.ts'

/** GET /flavors/detail, every page (used to find a flavor by name for test servers). */
export function list(client: ServiceClient, signal?: AbortSignal): AsyncIterable<Flavor> {
  return paginate(client, listDetailUrl(client), { itemsKey: 'flavors', parse: parseFlavor, signal })
}
