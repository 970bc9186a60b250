import * as tokens from '../identity/v3/tokens/index.ts'
import { watchAbort } from './abort-watch.ts'
import { UnauthorizedError } from './errors.ts'
import type { HttpRequest, HttpResponse, RequestSender } from './request.ts'
import { retryPolicy, retryTransient, type RetryPolicy } from './retry-policy.ts'
import { ServiceClient } from './service-client.ts'

/** Where the time comes from (structurally the app's Clock). */
export interface ProviderClock {
  now(): Date
}

export interface ProviderClientOptions {
  /** The bare transport (no token); ProviderClient adds X-Auth-Token. */
  readonly transport: RequestSender
  /** Keystone v3 base URL, e.g. http://127.0.0.1:5000/v3 (a URL without /v3 gets it appended). */
  readonly identityUrl: string
  readonly auth: tokens.AuthOptions
  readonly clock?: ProviderClock | undefined
  /** Re-authenticate this long before the token expires (default 60 s). */
  readonly reauthBeforeMs?: number | undefined
  /** How authentication (and, through retrying(), version discovery) is retried; DEFAULT_CONNECT_RETRY by default. */
  readonly retry?: Partial<RetryPolicy> | undefined
}

/**
 * Holds the Keystone token: authenticates lazily, re-authenticates shortly before expiry and once
 * after a 401 (then retries that request once). Concurrent callers share one authentication.
 * A token request that fails transiently (network, timeout, 408, 429, 5xx) is retried with backoff
 * (`retry`), as the cycles retry every other call; the calls it carries are not retried here.
 */
export class ProviderClient implements RequestSender {
  readonly identityUrl: string
  readonly #transport: RequestSender
  readonly #auth: tokens.AuthOptions
  readonly #clock: ProviderClock
  readonly #reauthBeforeMs: number
  readonly #retry: RetryPolicy
  #token: tokens.Token | undefined
  #inflight: Promise<tokens.Token> | undefined
  #authCount = 0

  constructor(opts: ProviderClientOptions) {
    this.identityUrl = normalizeIdentityUrl(opts.identityUrl)
    this.#transport = opts.transport
    this.#auth = opts.auth
    this.#clock = opts.clock ?? { now: () => new Date() }
    this.#reauthBeforeMs = opts.reauthBeforeMs ?? 60_000
    this.#retry = retryPolicy(opts.retry)
  }

  /** Runs `fn` with this client's connect retry policy (transient errors only), e.g. version discovery. */
  retrying<T>(what: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return retryTransient(what, fn, this.#retry, signal)
  }

  /** The current token (undefined before the first authentication). */
  get token(): tokens.Token | undefined {
    return this.#token
  }

  /** How many times this client has authenticated (for tests and metrics). */
  get authCount(): number {
    return this.#authCount
  }

  /** Returns a valid token, authenticating if there is none or it expires within reauthBeforeMs. */
  async authenticate(signal?: AbortSignal): Promise<tokens.Token> {
    const t = this.#token
    if (t !== undefined && t.expiresAt.getTime() - this.#reauthBeforeMs > this.#clock.now().getTime()) return t
    return this.#refresh(t, signal)
  }

  async send(req: HttpRequest): Promise<HttpResponse> {
    const token = await this.authenticate(req.signal)
    try {
      return await this.#transport.send(withToken(req, token))
    } catch (err) {
      if (!(err instanceof UnauthorizedError)) throw err
      const fresh = await this.#refresh(token, req.signal)
      return this.#transport.send(withToken(req, fresh))
    }
  }

  /** A client for Keystone itself at identityUrl (for callers that do not use connect()). */
  identityClient(): ServiceClient {
    return new ServiceClient(this, this.identityUrl, { serviceType: 'identity' })
  }

  /** Single flight: callers holding `stale` join one authentication; a newer token is reused. */
  #refresh(stale: tokens.Token | undefined, signal: AbortSignal | undefined): Promise<tokens.Token> {
    if (this.#token !== undefined && this.#token !== stale) return Promise.resolve(this.#token)
    if (this.#inflight === undefined) {
      const keystone = new ServiceClient(this.#transport, this.identityUrl, { serviceType: 'identity' })
      this.#authCount++
      this.#inflight = retryTransient('authentication', () => tokens.create(keystone, this.#auth), this.#retry)
        .then((t) => {
          this.#token = t
          return t
        })
        .finally(() => {
          this.#inflight = undefined
        })
    }
    return raceSignal(this.#inflight, signal)
  }
}

function withToken(req: HttpRequest, token: tokens.Token): HttpRequest {
  return { ...req, headers: { ...req.headers, 'x-auth-token': token.id } }
}

/** Keystone's base with /v3 and a trailing slash. */
export function normalizeIdentityUrl(url: string): string {
  const trimmed = url.replace(/\/+$/, '')
  return /\/v3(\.\d+)?$/.test(trimmed) ? `${trimmed}/` : `${trimmed}/v3/`
}

/** Waits for `p` but gives up when this caller's signal aborts (the shared work goes on). */
function raceSignal<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return p
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolve, reject) => {
    const unwatch = watchAbort(signal, () => reject(signal.reason))
    p.then(resolve, reject).finally(unwatch)
  })
}
