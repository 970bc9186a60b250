import { NoEndpointError } from './errors.ts'
import type { ItemTaker } from './json-parts.ts'
import type { HttpMethod, HttpRequest, HttpResponse, RequestSender } from './request.ts'
import { routeTemplate } from './route-template.ts'

export interface ServiceClientOptions {
  /** The catalog type this client talks to (`block-storage`, `compute`, `identity`). */
  readonly serviceType: string
  /** The name used in `OpenStack-API-Version: <name> <version>` (`volume`, `compute`); none for Keystone. */
  readonly microversionName?: string | undefined
  /** The microversion to send on every request (negotiated by connect()). */
  readonly microversion?: string | undefined
  /**
   * Negotiates the microversion on first use instead (version discovery only when the service is
   * used); a failed negotiation is tried again on the next request.
   */
  readonly negotiate?: ((signal?: AbortSignal) => Promise<string | undefined>) | undefined
}

export interface CallOpts {
  readonly okCodes?: readonly number[]
  readonly headers?: Readonly<Record<string, string>>
  readonly signal?: AbortSignal | undefined
  /** A listing's reader of each item (HttpRequest.items). */
  readonly items?: ItemTaker | undefined
}

/**
 * One service's endpoint plus the sender (a ProviderClient adds the token). Resource functions
 * take it first: `volumes.get(cinder, id)`. An undefined endpoint (service absent from the catalog)
 * makes every call throw NoEndpointError (OS_NO_ENDPOINT).
 */
export class ServiceClient {
  readonly serviceType: string
  readonly microversionName: string | undefined
  #microversion: string | undefined
  #negotiate: ((signal?: AbortSignal) => Promise<string | undefined>) | undefined
  #negotiating: Promise<string | undefined> | undefined
  readonly #endpoint: string | undefined

  constructor(
    readonly sender: RequestSender,
    endpoint: string | undefined,
    opts: ServiceClientOptions,
  ) {
    this.#endpoint = endpoint === undefined ? undefined : endpoint.endsWith('/') ? endpoint : `${endpoint}/`
    this.serviceType = opts.serviceType
    this.microversionName = opts.microversionName
    this.#microversion = opts.microversion
    this.#negotiate = opts.negotiate
  }

  /** The microversion sent (undefined before a lazy negotiation, see ready()). */
  get microversion(): string | undefined {
    return this.#microversion
  }

  /** Resolves the microversion (runs a lazy negotiation once); every request awaits this first. */
  async ready(signal?: AbortSignal): Promise<string | undefined> {
    const negotiate = this.#negotiate
    if (negotiate === undefined) return this.#microversion
    this.#negotiating ??= negotiate(signal).then(
      (v) => {
        this.#microversion = v
        this.#negotiate = undefined
        return v
      },
      (err: unknown) => {
        this.#negotiating = undefined
        throw err
      },
    )
    return this.#negotiating
  }

  /** The endpoint with a trailing slash; throws NoEndpointError when the service has none. */
  get endpoint(): string {
    if (this.#endpoint === undefined) throw new NoEndpointError(`no endpoint for service type ${this.serviceType}`)
    return this.#endpoint
  }

  get hasEndpoint(): boolean {
    return this.#endpoint !== undefined
  }

  /** `url('volumes', id, 'metadata')` → endpoint + each part URL-encoded, joined with '/'. */
  url(...parts: string[]): string {
    return this.endpoint + parts.map((p) => encodeURIComponent(p)).join('/')
  }

  /** The same client sending another microversion (gophercloud `client.Microversion = "3.43"`). */
  withMicroversion(microversion: string | undefined): ServiceClient {
    return new ServiceClient(this.sender, this.#endpoint, {
      serviceType: this.serviceType,
      microversionName: this.microversionName,
      microversion,
    })
  }

  get(url: string, opts: CallOpts = {}): Promise<HttpResponse> {
    return this.request('GET', url, undefined, opts)
  }
  post(url: string, json: unknown, opts: CallOpts = {}): Promise<HttpResponse> {
    return this.request('POST', url, json, opts)
  }
  put(url: string, json: unknown, opts: CallOpts = {}): Promise<HttpResponse> {
    return this.request('PUT', url, json, opts)
  }
  patch(url: string, json: unknown, opts: CallOpts = {}): Promise<HttpResponse> {
    return this.request('PATCH', url, json, opts)
  }
  delete(url: string, opts: CallOpts = {}): Promise<HttpResponse> {
    return this.request('DELETE', url, undefined, opts)
  }

  async request(method: HttpMethod, url: string, json: unknown, opts: CallOpts = {}): Promise<HttpResponse> {
    if (this.#negotiate !== undefined) await this.ready(opts.signal)
    const headers: Record<string, string> = { ...microversionHeaders(this.microversionName, this.microversion), ...opts.headers }
    const req: HttpRequest = { method, url, headers, json, okCodes: opts.okCodes, signal: opts.signal, service: this.serviceType, route: routeTemplate(url, this.#endpoint), items: opts.items }
    return this.sender.send(req)
  }
}

/** `OpenStack-API-Version: volume 3.70`; Nova also gets the legacy `X-OpenStack-Nova-API-Version`. */
export function microversionHeaders(name: string | undefined, version: string | undefined): Record<string, string> {
  if (name === undefined || version === undefined) return {}
  const headers: Record<string, string> = { 'openstack-api-version': `${name} ${version}` }
  if (name === 'compute') headers['x-openstack-nova-api-version'] = version
  return headers
}

/** Appends query parameters, skipping undefined values; booleans become `true`/`false`. */
export function withQuery(url: string, params: Readonly<Record<string, string | number | boolean | undefined>>): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.append(k, String(v))
  const s = q.toString()
  return s === '' ? url : `${url}${url.includes('?') ? '&' : '?'}${s}`
}
