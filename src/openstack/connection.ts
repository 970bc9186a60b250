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
  /**
   * Keep-alive connections per origin (default 16): at least as many as the caller may have
   * requests in flight, or a request waits for a connection another one holds.
   */
  readonly connections?: number | undefined
}

export interface Connection {
  readonly config: CloudConfig
  readonly provider: ProviderClient
  readonly identity: ServiceClient
  /** Cinder v3 (`/v3/{project_id}`), with the negotiated `volume` microversion. */
  readonly blockStorage: ServiceClient
  /**
   * Nova v2.1, with the `compute` microversion negotiated on its first request (a command that
   * never calls Nova never discovers it); `await compute.ready()` to read it.
   */
  readonly compute: ServiceClient
  /**
   * The same credentials scoped to another project (`config.withProjectScope(id)`): one token
   * request, endpoints from that token's catalog, the microversions this connection negotiated
   * (no discovery), the same transport. Closing it closes nothing (this connection owns the transport).
   */
  scoped(config: CloudConfig, signal?: AbortSignal): Promise<Connection>
  close(): Promise<void>
}

const TYPES = {
  identity: ['identity'],
  blockStorage: ['block-storage', 'volumev3', 'volume'],
  compute: ['compute'],
}

/**
 * Authenticates, finds the endpoints in the catalog (interface and region from the config) and
 * negotiates the Cinder microversion (Nova's on first use). A service absent from the catalog
 * gives a client whose calls throw NoEndpointError (OS_NO_ENDPOINT).
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
    connections: opts.connections,
  })
  try {
    const provider = new ProviderClient({ transport, identityUrl: config.authUrl, auth: config.auth, clock: opts.clock, retry: opts.retry })
    const token = await provider.authenticate(opts.signal)
    checkRegion(config, token.catalog)
    const find = endpointsOf(config, token.catalog)
    const negotiated = async (service: string, url: string | undefined, range: { min: string; max: string }, signal?: AbortSignal): Promise<string | undefined> => {
      if (url === undefined) return undefined
      const info = await provider.retrying(`version discovery of ${url}`, () => discoverVersion(url, transport, provider, signal, service), signal)
      return info === undefined ? undefined : negotiateMicroversion(info, range)
    }
    const max = opts.maxMicroversions ?? {}
    const bsUrl = find(TYPES.blockStorage)
    const computeUrl = find(TYPES.compute)
    const bsVersion = await negotiated('block-storage', bsUrl, { ...SUPPORTED_MICROVERSIONS.blockStorage, max: max.blockStorage ?? SUPPORTED_MICROVERSIONS.blockStorage.max }, opts.signal)
    const computeRange = { ...SUPPORTED_MICROVERSIONS.compute, max: max.compute ?? SUPPORTED_MICROVERSIONS.compute.max }
    const compute = new ServiceClient(provider, computeUrl, {
      serviceType: 'compute',
      microversionName: 'compute',
      ...(computeUrl !== undefined && { negotiate: (signal?: AbortSignal) => negotiated('compute', computeUrl, computeRange, signal) }),
    })
    const versions: Versions = { blockStorage: bsVersion, compute: (signal) => compute.ready(signal) }
    return assemble(config, provider, token.catalog, versions, { transport, opts, compute, close: () => transport.close() })
  } catch (err) {
    await transport.close()
    throw err
  }
}

/** The negotiated microversions a scoped connection re-uses. */
interface Versions {
  readonly blockStorage: string | undefined
  readonly compute: (signal?: AbortSignal) => Promise<string | undefined>
}

interface Shared {
  readonly transport: HttpTransport
  readonly opts: ConnectOptions
  /** The main connection's own Nova client (built by connect()). */
  readonly compute?: ServiceClient
  readonly close: () => Promise<void>
}

function assemble(config: CloudConfig, provider: ProviderClient, catalog: readonly CatalogEntry[], versions: Versions, shared: Shared): Connection {
  const find = endpointsOf(config, catalog)
  const computeUrl = find(TYPES.compute)
  const conn: Connection = {
    config,
    provider,
    identity: new ServiceClient(provider, find(TYPES.identity) ?? provider.identityUrl, { serviceType: 'identity' }),
    blockStorage: new ServiceClient(provider, find(TYPES.blockStorage), { serviceType: 'block-storage', microversionName: 'volume', microversion: versions.blockStorage }),
    compute:
      shared.compute ??
      new ServiceClient(provider, computeUrl, { serviceType: 'compute', microversionName: 'compute', ...(computeUrl !== undefined && { negotiate: versions.compute }) }),
    scoped: async (scopedConfig, signal) => {
      const { transport, opts } = shared
      const scopedProvider = new ProviderClient({ transport, identityUrl: scopedConfig.authUrl, auth: scopedConfig.auth, clock: opts.clock, retry: opts.retry })
      const token = await scopedProvider.authenticate(signal ?? opts.signal)
      return assemble(scopedConfig, scopedProvider, token.catalog, versions, { transport, opts, close: async () => {} })
    },
    close: shared.close,
  }
  return conn
}

/** Finds a service's endpoint in a token's catalog (interface and region from the config). */
function endpointsOf(config: CloudConfig, catalog: readonly CatalogEntry[]): (types: readonly string[]) => string | undefined {
  const where: Omit<EndpointOpts, 'types'> = { interface: config.interface, region: config.regionName }
  return (types) => {
    try {
      return findEndpoint(catalog, { ...where, types })
    } catch (err) {
      if (err instanceof NoEndpointError) return undefined
      throw err
    }
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
