import { readFileSync } from 'node:fs'
import { findEndpoint, type CatalogEntry, type EndpointOpts } from './core/catalog.ts'
import { ConfigError, NoEndpointError } from './core/errors.ts'
import { discoverVersion, negotiateMicroversion } from './core/microversion.ts'
import { ProviderClient, type ProviderClock } from './core/provider-client.ts'
import type { RetryPolicy } from './core/retry-policy.ts'
import { proxyFromEnv } from './core/proxy-env.ts'
import { HttpTransport, type RequestEvent } from './core/request.ts'
import { ServiceClient } from './core/service-client.ts'
import type { CloudConfig } from './config/cloud-config.ts'

/** What this client knows how to speak; connect() sends the highest version both sides support. */
export const SUPPORTED_MICROVERSIONS = {
  blockStorage: { min: '3.0', max: '3.70' },
  compute: { min: '2.1', max: '2.96' },
} as const

export interface ConnectOptions {
  readonly clock?: ProviderClock | undefined
  /** Called after every HTTP request (method, url, status, duration): call counters, benchmarks. */
  readonly onRequest?: ((e: RequestEvent) => void) | undefined
  /** Lower the highest microversion asked for (e.g. to test older behaviour). */
  readonly maxMicroversions?: { readonly blockStorage?: string; readonly compute?: string } | undefined
  readonly userAgent?: string | undefined
  readonly signal?: AbortSignal | undefined
  /** How authentication and version discovery are retried on transient errors (DEFAULT_CONNECT_RETRY). */
  readonly retry?: Partial<RetryPolicy> | undefined
  /**
   * Where HTTPS_PROXY, HTTP_PROXY, ALL_PROXY and NO_PROXY (either case) are read (default
   * process.env), as requests reads them for openstacksdk.
   */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined
}

export interface Connection {
  readonly config: CloudConfig
  readonly provider: ProviderClient
  readonly identity: ServiceClient
  /** Cinder v3 (`/v3/{project_id}`), with the negotiated `volume` microversion. */
  readonly blockStorage: ServiceClient
  /** Nova v2.1, with the negotiated `compute` microversion. */
  readonly compute: ServiceClient
  close(): Promise<void>
}

const TYPES = {
  identity: ['identity'],
  blockStorage: ['block-storage', 'volumev3', 'volume'],
  compute: ['compute'],
}

/**
 * Authenticates, finds the endpoints in the catalog (interface and region from the config) and
 * negotiates microversions. A service absent from the catalog gives a client whose calls throw
 * NoEndpointError (OS_NO_ENDPOINT).
 */
export async function connect(config: CloudConfig, opts: ConnectOptions = {}): Promise<Connection> {
  const transport = new HttpTransport({
    ca: readPem(config, 'cacert', config.cacert),
    cert: readPem(config, 'cert', config.cert),
    key: readPem(config, 'key', config.key),
    verify: config.verify,
    timeoutMs: config.apiTimeoutMs,
    proxy: proxyFromEnv(opts.env ?? process.env),
    userAgent: opts.userAgent,
    onRequest: opts.onRequest,
  })
  try {
    const provider = new ProviderClient({ transport, identityUrl: config.authUrl, auth: config.auth, clock: opts.clock, retry: opts.retry })
    const token = await provider.authenticate(opts.signal)
    checkRegion(config, token.catalog)
    const where: Omit<EndpointOpts, 'types'> = { interface: config.interface, region: config.regionName }
    const endpoint = (types: readonly string[]): string | undefined => {
      try {
        return findEndpoint(token.catalog, { ...where, types })
      } catch (err) {
        if (err instanceof NoEndpointError) return undefined
        throw err
      }
    }
    const negotiated = async (url: string | undefined, range: { min: string; max: string }): Promise<string | undefined> => {
      if (url === undefined) return undefined
      const info = await provider.retrying(`version discovery of ${url}`, () => discoverVersion(url, transport, provider, opts.signal), opts.signal)
      return info === undefined ? undefined : negotiateMicroversion(info, range)
    }
    const bsUrl = endpoint(TYPES.blockStorage)
    const computeUrl = endpoint(TYPES.compute)
    const max = opts.maxMicroversions ?? {}
    const [bsVersion, computeVersion] = await Promise.all([
      negotiated(bsUrl, { ...SUPPORTED_MICROVERSIONS.blockStorage, max: max.blockStorage ?? SUPPORTED_MICROVERSIONS.blockStorage.max }),
      negotiated(computeUrl, { ...SUPPORTED_MICROVERSIONS.compute, max: max.compute ?? SUPPORTED_MICROVERSIONS.compute.max }),
    ])
    return {
      config,
      provider,
      identity: new ServiceClient(provider, endpoint(TYPES.identity) ?? provider.identityUrl, { serviceType: 'identity' }),
      blockStorage: new ServiceClient(provider, bsUrl, { serviceType: 'block-storage', microversionName: 'volume', microversion: bsVersion }),
      compute: new ServiceClient(provider, computeUrl, { serviceType: 'compute', microversionName: 'compute', microversion: computeVersion }),
      close: () => transport.close(),
    }
  } catch (err) {
    await transport.close()
    throw err
  }
}

/** A region_name that no endpoint of the catalog has is a config error naming the regions it has. */
function checkRegion(config: CloudConfig, catalog: readonly CatalogEntry[]): void {
  if (config.regionName === undefined) return
  const regions = new Set<string>()
  for (const entry of catalog) for (const ep of entry.endpoints) if (ep.region !== undefined) regions.add(ep.region)
  if (regions.size === 0 || regions.has(config.regionName)) return
  throw new ConfigError(
    `${config.source}: cloud ${config.name}: region_name '${config.regionName}' is not in the catalog; its regions: ${[...regions].sort().join(', ')}`,
  )
}

function readPem(config: CloudConfig, key: string, path: string | undefined): string | undefined {
  if (path === undefined) return undefined
  try {
    return readFileSync(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error'
    throw new ConfigError(`${config.source}: ${key} file ${path} cannot be read (${code})`)
  }
}
