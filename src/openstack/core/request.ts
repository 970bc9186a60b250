import type { Agent as UndiciAgent, Dispatcher, ProxyAgent as UndiciProxyAgent } from 'undici'
import { apiMessageOf, httpErrorFor, NetworkError, TimeoutError } from './errors.ts'
import { exchange, type ExchangeResponse } from './exchange.ts'
import { ItemTakeFailed, parseJsonParts, type ItemTaker } from './json-parts.ts'
import { proxyFor, type ProxySettings } from './proxy-env.ts'
import { routeTemplate } from './route-template.ts'
import { Agent, errors as undiciErrors, ProxyAgent } from './undici-parts.ts'

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD'

export interface HttpRequest {
  readonly method: HttpMethod
  readonly url: string
  readonly headers?: Readonly<Record<string, string>>
  /** Sent as a JSON body. */
  readonly json?: unknown
  /** Statuses that count as success; anything else throws an OpenStackHttpError subclass. */
  readonly okCodes?: readonly number[]
  readonly signal?: AbortSignal | undefined
  /** The catalog type of the service called (`block-storage`), for request counters; set by ServiceClient. */
  readonly service?: string | undefined
  /** The route template (`backups/{id}`, see routeTemplate()), for request counters; set by ServiceClient. */
  readonly route?: string | undefined
  /**
   * A listing's reader of each item of the answer's top-level array (json-parts.ts): the body has
   * what it returns for each item, and the raw items are let go as they are parsed. A throw of
   * `take` fails the request with that error.
   */
  readonly items?: ItemTaker | undefined
}

export interface HttpResponse {
  readonly status: number
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string>>
  /** The parsed JSON body, or undefined when the body is empty or not JSON. */
  readonly body: unknown
}

/** One finished request (for call counters and benchmarks); `status` is absent on network errors. */
export interface RequestEvent {
  readonly method: string
  readonly url: string
  /** The request's `service`, or `unknown` when the sender named none. */
  readonly service: string
  /** The request's `route`, or the URL's path with ids replaced (routeTemplate()). */
  readonly route: string
  readonly status?: number | undefined
  readonly durationMs: number
  readonly errorCode?: string | undefined
}

/** Anything that can send a request: the bare transport (no token) or a ProviderClient (with token). */
export interface RequestSender {
  send(req: HttpRequest): Promise<HttpResponse>
}

export interface TransportOptions {
  /** PEM CA bundle (contents, not a path). */
  readonly ca?: string | undefined
  /** PEM client certificate and key (contents). */
  readonly cert?: string | undefined
  readonly key?: string | undefined
  /** false turns TLS verification off (clouds.yaml `verify: false`). */
  readonly verify?: boolean | undefined
  /**
   * How long a request may wait for its connection, for the answer's headers, and for each next
   * part of the answer's body (clouds.yaml `api_timeout`, in seconds there; requests' timeout, which
   * openstacksdk sets from it, bounds the same waits). Default DEFAULT_API_TIMEOUT_MS: a silent
   * endpoint fails the call (a transient TimeoutError) instead of holding a cycle.
   */
  readonly timeoutMs?: number | undefined
  /** Proxies to use (proxyFromEnv reads them as requests does); none when absent. */
  readonly proxy?: ProxySettings | undefined
  /** Keep-alive connections per origin (default 16). */
  readonly connections?: number | undefined
  readonly userAgent?: string | undefined
  readonly onRequest?: ((e: RequestEvent) => void) | undefined
}

const DEFAULT_OK: Record<HttpMethod, readonly number[]> = {
  GET: [200, 203],
  POST: [200, 201, 202],
  PUT: [200, 201, 202],
  PATCH: [200, 202, 204],
  DELETE: [200, 202, 204],
  HEAD: [200, 204],
}

/** The per-request timeout when the cloud's config sets none (openstacksdk has none: it waits forever). */
export const DEFAULT_API_TIMEOUT_MS = 60_000

/**
 * HTTP on an undici Agent with keep-alive and the cloud's TLS settings, directly or through the
 * proxy the settings name for the URL. Retries nothing.
 */
export class HttpTransport implements RequestSender {
  readonly #agent: UndiciAgent
  readonly #proxies = new Map<string, UndiciProxyAgent>()
  readonly #proxy: ProxySettings | undefined
  readonly #tls: { ca?: string; cert?: string; key?: string; rejectUnauthorized: boolean; timeout: number }
  readonly #connections: number
  readonly #timeoutMs: number
  readonly #userAgent: string
  readonly #onRequest: ((e: RequestEvent) => void) | undefined

  constructor(opts: TransportOptions = {}) {
    this.#timeoutMs = opts.timeoutMs ?? DEFAULT_API_TIMEOUT_MS
    this.#tls = {
      ...(opts.ca !== undefined ? { ca: opts.ca } : {}),
      ...(opts.cert !== undefined ? { cert: opts.cert } : {}),
      ...(opts.key !== undefined ? { key: opts.key } : {}),
      rejectUnauthorized: opts.verify !== false,
      timeout: this.#timeoutMs,
    }
    this.#connections = opts.connections ?? 16
    this.#agent = new Agent({ ...this.#timeouts(), keepAliveTimeout: 30_000, connections: this.#connections, connect: this.#tls })
    this.#proxy = opts.proxy
    this.#userAgent = opts.userAgent ?? 'snapwarden-openstack'
    this.#onRequest = opts.onRequest
  }

  /** Waiting for an answer's headers, and between parts of its body, is bounded by the api timeout. */
  #timeouts(): { headersTimeout: number; bodyTimeout: number } {
    return { headersTimeout: this.#timeoutMs, bodyTimeout: this.#timeoutMs }
  }

  /** The per-request timeout in force (the configured one, else DEFAULT_API_TIMEOUT_MS). */
  get timeoutMs(): number {
    return this.#timeoutMs
  }

  #dispatcherFor(url: string): Dispatcher {
    // No proxy for either scheme (the usual case): no URL to parse per request.
    const proxy = this.#proxy && (this.#proxy.http !== undefined || this.#proxy.https !== undefined) ? proxyFor(this.#proxy, url) : undefined
    if (proxy === undefined) return this.#agent
    let agent = this.#proxies.get(proxy)
    if (agent === undefined) {
      // http:// targets are sent to the proxy as absolute-URI requests, https:// ones through a
      // CONNECT tunnel, as requests does; the cloud's TLS settings apply inside the tunnel.
      agent = new ProxyAgent({ ...this.#timeouts(), uri: proxy, proxyTunnel: false, keepAliveTimeout: 30_000, connections: this.#connections, requestTls: this.#tls })
      this.#proxies.set(proxy, agent)
    }
    return agent
  }

  async send(req: HttpRequest): Promise<HttpResponse> {
    const started = performance.now()
    const okCodes = req.okCodes ?? DEFAULT_OK[req.method]
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': this.#userAgent }
    for (const [k, v] of Object.entries(req.headers ?? {})) headers[k.toLowerCase()] = v
    let body: string | undefined
    if (req.json !== undefined) {
      body = JSON.stringify(req.json)
      headers['content-type'] = 'application/json'
    }
    const report = (status?: number, errorCode?: string): void =>
      this.#onRequest?.({
        method: req.method,
        url: req.url,
        service: req.service ?? 'unknown',
        route: req.route ?? routeTemplate(req.url),
        status,
        durationMs: performance.now() - started,
        errorCode,
      })

    let res: ExchangeResponse
    try {
      res = await exchange(this.#dispatcherFor(req.url), { url: req.url, method: req.method, headers, body, signal: req.signal })
    } catch (err) {
      if (req.signal?.aborted) {
        report(undefined, 'ABORTED')
        throw req.signal.reason ?? err
      }
      if (err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError || err instanceof undiciErrors.ConnectTimeoutError) {
        report(undefined, 'OS_TIMEOUT')
        throw new TimeoutError(req.method, req.url, this.#timeoutMs, { cause: err })
      }
      // Refused, reset, DNS, TLS and anything else that kept the request from completing.
      const code = errorCodeOf(err)
      report(undefined, 'OS_NETWORK')
      throw new NetworkError(req.method, req.url, code ?? (err instanceof Error ? err.message : String(err)), { cause: err })
    }
    const resHeaders = flattenHeaders(res.headers)
    let parsed: unknown
    let takeFailed: ItemTakeFailed | undefined
    try {
      parsed = parseBody(res.parts, req.items)
    } catch (err) {
      if (!(err instanceof ItemTakeFailed)) throw err
      takeFailed = err
    }
    report(res.status)
    if (!okCodes.includes(res.status)) {
      const text = res.parts.join('')
      throw httpErrorFor({
        method: req.method,
        url: req.url,
        status: res.status,
        expected: okCodes,
        body: text.length > 4096 ? `${text.slice(0, 4096)}…` : text,
        requestId: resHeaders['x-openstack-request-id'] ?? resHeaders['x-compute-request-id'],
        apiMessage: apiMessageOf(parsed),
        retryAfter: resHeaders['retry-after'],
      })
    }
    if (takeFailed !== undefined) throw takeFailed.cause
    return { status: res.status, headers: resHeaders, body: parsed }
  }

  /** Closes the keep-alive connections. */
  async close(): Promise<void> {
    await Promise.all([this.#agent.close(), ...[...this.#proxies.values()].map((p) => p.close())])
  }
}

function errorCodeOf(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string') return code
  }
  return undefined
}

function flattenHeaders(h: ExchangeResponse['headers']): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(h)) {
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v
  }
  return out
}

/**
 * JSON whatever the content type: Cinder 21 answers GET /volumes/{id}/metadata with a JSON body
 * labelled `text/html`. The body's parts are parsed without joining them (json-parts.ts).
 */
function parseBody(parts: readonly string[], items: ItemTaker | undefined): unknown {
  // A character check, not a RegExp: V8 keeps a RegExp's last input alive (RegExp.input), which
  // here would be the last answer's text.
  if (!startsLikeJson(parts)) return undefined
  try {
    return parseJsonParts(parts, items)
  } catch (err) {
    // The listing's own reader failed (thrown by send once the request is counted); not a body that is not JSON.
    if (err instanceof ItemTakeFailed) throw err
    return undefined
  }
}

/** The first character that is not JSON whitespace is `{` or `[`. */
function startsLikeJson(parts: readonly string[]): boolean {
  for (const text of parts) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i)
      if (c === 0x7b || c === 0x5b) return true
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return false
    }
  }
  return false
}
