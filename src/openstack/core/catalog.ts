import { NoEndpointError } from './errors.ts'

export type EndpointInterface = 'public' | 'internal' | 'admin'

export interface CatalogEndpoint {
  readonly id: string
  readonly interface: string
  readonly region: string | undefined
  readonly url: string
}

export interface CatalogEntry {
  readonly id: string
  readonly type: string
  readonly name: string
  readonly endpoints: readonly CatalogEndpoint[]
}

export interface EndpointOpts {
  /** Service types to try in order, e.g. ['block-storage', 'volumev3']. */
  readonly types: readonly string[]
  readonly interface?: EndpointInterface | undefined
  readonly region?: string | undefined
}

/** Picks the endpoint URL of the first listed service type that has one for this interface and region. */
export function findEndpoint(catalog: readonly CatalogEntry[], opts: EndpointOpts): string {
  const iface = opts.interface ?? 'public'
  for (const type of opts.types) {
    for (const entry of catalog) {
      if (entry.type !== type) continue
      const ep = entry.endpoints.find((e) => e.interface === iface && (opts.region === undefined || e.region === opts.region))
      if (ep) return ep.url
    }
  }
  let where = ''
  if (opts.region !== undefined) {
    const regions = new Set<string>()
    for (const entry of catalog) {
      if (!opts.types.includes(entry.type)) continue
      for (const e of entry.endpoints) if (e.interface === iface && e.region !== undefined) regions.add(e.region)
    }
    where = ` in region ${opts.region} (regions with one: ${regions.size ? [...regions].sort().join(', ') : 'none'})`
  }
  throw new NoEndpointError(`no ${iface} endpoint for service type ${opts.types.join(' or ')}${where} in the catalog`)
}
