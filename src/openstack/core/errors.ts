/**
 * Typed errors of the OpenStack client. This folder cannot import src/domain (it could be
 * published alone), so each error carries a stable string `code` that the app reads the same
 * way as its own AppError codes (OS_* in domain/errors.ts). Messages never contain tokens or secrets.
 */
export const OPENSTACK_ERROR_CODES = [
  'OS_HTTP',
  'OS_BAD_REQUEST',
  'OS_UNAUTHORIZED',
  'OS_FORBIDDEN',
  'OS_NOT_FOUND',
  'OS_CONFLICT',
  'OS_OVER_LIMIT',
  'OS_NETWORK',
  'OS_TIMEOUT',
  'OS_NO_ENDPOINT',
  'OS_CONFIG',
] as const
export type OpenStackErrorCode = (typeof OPENSTACK_ERROR_CODES)[number]

export abstract class OpenStackError extends Error {
  abstract readonly code: OpenStackErrorCode
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
  }
}

export interface HttpErrorDetails {
  readonly method: string
  readonly url: string
  readonly status: number
  readonly expected: readonly number[]
  /** The response body as text (truncated to 4 KiB). */
  readonly body: string
  readonly requestId?: string | undefined
  /** The API's own message (Cinder `{"itemNotFound": {"message"}}`, Keystone `{"error": {"message"}}`). */
  readonly apiMessage?: string | undefined
  /** The Retry-After header as sent, if any. */
  readonly retryAfter?: string | undefined
}

/** An answer with a status outside the request's ok codes (gophercloud ErrUnexpectedResponseCode). */
export class OpenStackHttpError extends OpenStackError {
  readonly code: OpenStackErrorCode = 'OS_HTTP'
  readonly method: string
  readonly url: string
  readonly status: number
  readonly expected: readonly number[]
  readonly body: string
  readonly requestId: string | undefined
  readonly apiMessage: string | undefined
  readonly retryAfter: string | undefined
  constructor(d: HttpErrorDetails) {
    const parts = [`${d.method} ${d.url}: HTTP ${d.status}`]
    if (d.apiMessage) parts.push(d.apiMessage)
    if (d.requestId) parts.push(`(request ${d.requestId})`)
    super(parts.join(' '))
    this.method = d.method
    this.url = d.url
    this.status = d.status
    this.expected = d.expected
    this.body = d.body
    this.requestId = d.requestId
    this.apiMessage = d.apiMessage
    this.retryAfter = d.retryAfter
  }
}

export class BadRequestError extends OpenStackHttpError {
  override readonly code = 'OS_BAD_REQUEST'
}
export class UnauthorizedError extends OpenStackHttpError {
  override readonly code = 'OS_UNAUTHORIZED'
}
export class ForbiddenError extends OpenStackHttpError {
  override readonly code = 'OS_FORBIDDEN'
}
export class NotFoundError extends OpenStackHttpError {
  override readonly code = 'OS_NOT_FOUND'
}
export class ConflictError extends OpenStackHttpError {
  override readonly code = 'OS_CONFLICT'
}
/** 413 (Cinder/Nova quota exceeded, `overLimit`) and 429 (rate limited). */
export class OverLimitError extends OpenStackHttpError {
  override readonly code = 'OS_OVER_LIMIT'
}
/** 429: rate limited (transient, unlike a 413 quota refusal); see retryAfterMs. */
export class TooManyRequestsError extends OverLimitError {}

const BY_STATUS: Record<number, new (d: HttpErrorDetails) => OpenStackHttpError> = {
  400: BadRequestError,
  401: UnauthorizedError,
  403: ForbiddenError,
  404: NotFoundError,
  409: ConflictError,
  413: OverLimitError,
  429: TooManyRequestsError,
}

/** Builds the subclass that matches the status. */
export function httpErrorFor(d: HttpErrorDetails): OpenStackHttpError {
  const Ctor = BY_STATUS[d.status] ?? OpenStackHttpError
  return new Ctor(d)
}

/** Connection refused, reset, DNS failure, TLS failure: the request may not have reached the API. */
export class NetworkError extends OpenStackError {
  readonly code = 'OS_NETWORK'
  constructor(
    readonly method: string,
    readonly url: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${method} ${url}: ${reason}`, options)
  }
}

/** No answer within api_timeout. */
export class TimeoutError extends OpenStackError {
  readonly code = 'OS_TIMEOUT'
  constructor(
    readonly method: string,
    readonly url: string,
    readonly timeoutMs: number,
    options?: { cause?: unknown },
  ) {
    super(`${method} ${url}: no answer within ${timeoutMs} ms`, options)
  }
}

/** The catalog has no endpoint for the service type / interface / region. */
export class NoEndpointError extends OpenStackError {
  readonly code = 'OS_NO_ENDPOINT'
}

/** clouds.yaml / secure.yaml / OS_* problems; the message names the file and the key. */
export class ConfigError extends OpenStackError {
  readonly code = 'OS_CONFIG'
}

const TRANSIENT_STATUS = new Set([408, 429, 500, 502, 503, 504])

/** Network errors, timeouts, 408, 429, 500, 502, 503, 504 are transient; everything else is permanent. */
export function isTransient(err: unknown): boolean {
  if (err instanceof NetworkError || err instanceof TimeoutError) return true
  if (err instanceof OpenStackHttpError) return TRANSIENT_STATUS.has(err.status)
  return false
}

/** `isHttpStatus(err, 404)` instead of casts (gophercloud ResponseCodeIs). */
export function isHttpStatus(err: unknown, status: number): err is OpenStackHttpError {
  return err instanceof OpenStackHttpError && err.status === status
}

/**
 * Milliseconds the server asked us to wait (Retry-After in seconds or as an HTTP date), or
 * undefined. `now` is only used for the HTTP-date form.
 */
export function retryAfterMs(err: unknown, now: Date = new Date()): number | undefined {
  if (!(err instanceof OpenStackHttpError) || err.retryAfter === undefined) return undefined
  const v = err.retryAfter.trim()
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000)
  const at = Date.parse(v)
  if (Number.isNaN(at)) return undefined
  return Math.max(0, at - now.getTime())
}

/** Extracts the API's own message from an error body (Cinder/Nova `{"<kind>": {"message"}}`, Keystone `{"error"}`). */
export function apiMessageOf(body: unknown): string | undefined {
  if (body === null || typeof body !== 'object') return undefined
  for (const value of Object.values(body as Record<string, unknown>)) {
    if (value && typeof value === 'object' && 'message' in value) {
      const m = (value as { message: unknown }).message
      if (typeof m === 'string') return m
    }
  }
  const m = (body as { message?: unknown }).message
  return typeof m === 'string' ? m : undefined
}
