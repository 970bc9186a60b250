import { createHmac, randomUUID } from 'node:crypto'
import type { Sleep } from '../domain/clock.ts'
import type { ErrorInfo } from '../domain/errors.ts'
import { silentLogger, type Logger } from '../domain/logger.ts'
import { noopMetrics, type Metrics } from '../domain/metrics.ts'

export { readWebhookSecret, WEBHOOK_SECRET_ENV, WEBHOOK_SECRET_FILE_ENV } from './webhook-secret.ts'

export const SIGNATURE_HEADER = 'X-Snapwarden-Signature'

export interface SendWebhookOptions {
  readonly url: string
  readonly payload: unknown
  /** Signs the body: `X-Snapwarden-Signature: sha256=<hex HMAC-SHA256 of the body>`. */
  readonly secret?: string
  readonly sleep: Sleep
  /** Total attempts, at least 1. */
  readonly maxAttempts: number
  /** Per attempt. */
  readonly timeoutMs: number
  readonly fetch?: typeof fetch
  /** Wait before attempt `attempt + 1`, in ms. Default: 1 s, 2 s, 4 s, … up to 60 s. */
  readonly backoff?: (attempt: number) => number
  readonly signal?: AbortSignal
  readonly logger?: Logger
  readonly metrics?: Metrics
  /** Sent as X-Snapwarden-Delivery, the same on every attempt, so receivers can drop duplicates. */
  readonly deliveryId?: string
}

export interface WebhookDelivery {
  readonly ok: boolean
  readonly attempts: number
  /** The last HTTP status, when there was an answer. */
  readonly status?: number
  readonly error?: ErrorInfo
}

const MAX_RETRY_AFTER_MS = 300_000
export const defaultWebhookBackoff = (attempt: number): number => Math.min(60_000, 1000 * 2 ** (attempt - 1))

/**
 * POSTs the payload as JSON; retries network errors, timeouts, 408, 429 and 5xx with backoff (a
 * Retry-After is honoured), never other 4xx. Never throws: a delivery that fails is a result, so a
 * webhook outage never fails a job. Logs and errors name only the URL's origin (webhook paths often
 * carry tokens), never the secret.
 */
export async function sendWebhook(opts: SendWebhookOptions): Promise<WebhookDelivery> {
  const logger = opts.logger ?? silentLogger
  const metrics = opts.metrics ?? noopMetrics
  const doFetch = opts.fetch ?? fetch
  const backoff = opts.backoff ?? defaultWebhookBackoff
  const target = originOf(opts.url)
  const finish = (d: WebhookDelivery): WebhookDelivery => {
    metrics.inc('snapwarden_webhook_deliveries_total', { outcome: d.ok ? 'succeeded' : 'failed' })
    if (d.ok) logger.info({ target, attempts: d.attempts, status: d.status }, 'webhook delivered')
    else logger.error({ target, attempts: d.attempts, status: d.status, err: d.error }, 'webhook not delivered')
    return d
  }
  if (target === undefined) return finish({ ok: false, attempts: 0, error: fail('the webhook URL is not an http(s) URL') })

  const body = JSON.stringify(opts.payload)
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'snapwarden',
    'x-snapwarden-delivery': opts.deliveryId ?? randomUUID(),
  }
  if (opts.secret) headers[SIGNATURE_HEADER.toLowerCase()] = `sha256=${signBody(body, opts.secret)}`

  const maxAttempts = Math.max(1, Math.floor(opts.maxAttempts))
  let last: WebhookDelivery = { ok: false, attempts: 0 }
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    if (opts.signal?.aborted) return finish({ ...last, error: { code: 'EXEC_CANCELLED', message: 'webhook delivery cancelled' } })
    let retryAfterMs: number | undefined
    try {
      const signal = opts.signal ? AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs)]) : AbortSignal.timeout(opts.timeoutMs)
      const res = await doFetch(opts.url, { method: 'POST', headers, body, signal, redirect: 'manual' })
      await res.arrayBuffer().catch(() => undefined)
      if (res.status >= 200 && res.status < 300) return finish({ ok: true, attempts: attempt, status: res.status })
      const transient = res.status === 408 || res.status === 429 || res.status >= 500
      last = { ok: false, attempts: attempt, status: res.status, error: fail(`webhook to ${target} answered HTTP ${res.status}`) }
      if (!transient) return finish({ ...last, error: fail(`webhook to ${target} answered HTTP ${res.status} (not retried)`) })
      retryAfterMs = parseRetryAfter(res.headers.get('retry-after'))
    } catch (err) {
      if (opts.signal?.aborted) return finish({ ok: false, attempts: attempt, error: { code: 'EXEC_CANCELLED', message: 'webhook delivery cancelled' } })
      const timedOut = err instanceof Error && err.name === 'TimeoutError'
      const why = timedOut ? `no answer within ${opts.timeoutMs} ms` : 'network error'
      last = { ok: false, attempts: attempt, error: fail(`webhook to ${target} failed: ${why}`) }
    }
    if (attempt < maxAttempts) {
      const waitMs = Math.min(MAX_RETRY_AFTER_MS, Math.max(retryAfterMs ?? 0, backoff(attempt)))
      logger.warn({ target, attempt, status: last.status, waitMs }, 'webhook attempt failed, retrying')
      try {
        await opts.sleep(waitMs, opts.signal)
      } catch {
        return finish({ ...last, error: { code: 'EXEC_CANCELLED', message: 'webhook delivery cancelled' } })
      }
    }
  }
  return finish({ ...last, error: fail(`${last.error?.message ?? 'webhook failed'}; gave up after ${last.attempts} attempts`) })
}

/** Hex HMAC-SHA256 of the exact body bytes; receivers recompute it to check the sender. */
export function signBody(body: string, secret: string): string {
  return createHmac('sha256', secret).update(body, 'utf8').digest('hex')
}

function fail(message: string): ErrorInfo {
  return { code: 'NOTIFY_WEBHOOK_FAILED', message }
}

function originOf(url: string): string | undefined {
  try {
    const u = new URL(url)
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : undefined
  } catch {
    return undefined
  }
}

function parseRetryAfter(value: string | null): number | undefined {
  if (value === null) return undefined
  const seconds = Number(value)
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined
}
