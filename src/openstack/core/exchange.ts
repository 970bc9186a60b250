import type { Dispatcher } from 'undici'
import { watchAbort } from './abort-watch.ts'
import { BodyText } from './body-text.ts'

/** One request as undici's dispatcher takes it; `origin` and `path` come from the URL. */
export interface ExchangeRequest {
  readonly url: string
  readonly method: Dispatcher.HttpMethod
  readonly headers: Readonly<Record<string, string>>
  readonly body: string | undefined
  /** Cancels the exchange: the promise rejects with the signal's reason at once. */
  readonly signal?: AbortSignal | undefined
}

/** An answer read to its end: status, headers as undici parsed them, the body as text in decoded parts. */
export interface ExchangeResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
  /** The body's text is `parts.join('')` (body-text.ts: one part per chunk; none for an empty body). */
  readonly parts: readonly string[]
}

/**
 * Sends one request on `dispatcher` and reads the whole answer as UTF-8 text (in parts), through undici's
 * dispatch handler: no response stream, no AbortController and no timer of its own per request
 * (the dispatcher's connect, headers and body timeouts bound a silent endpoint). Rejects with
 * undici's error for a failed exchange, or with the signal's reason when the caller cancels.
 */
export function exchange(dispatcher: Dispatcher, req: ExchangeRequest): Promise<ExchangeResponse> {
  const { signal } = req
  if (signal?.aborted) return Promise.reject(reasonOf(signal))
  const url = new URL(req.url)
  return new Promise((resolve, reject) => {
    let settled = false
    let controller: Dispatcher.DispatchController | undefined
    let cancelled: unknown
    // undici aborts with an Error; the caller's promise rejects with the signal's own reason.
    const abortError = (): Error => (cancelled instanceof Error ? cancelled : new Error('request cancelled'))
    let status = 0
    let headers: Record<string, string | string[] | undefined> = {}
    const body = new BodyText()
    const onAbort = (): void => {
      cancelled = reasonOf(signal!)
      // Not yet on a connection: undici aborts it as soon as it is (onRequestStart below).
      controller?.abort(abortError())
      finish(() => reject(cancelled))
    }
    const finish = (settle: () => void): void => {
      if (settled) return
      settled = true
      unwatch?.()
      settle()
    }
    // One listener on the caller's signal for all its requests (abort-watch.ts).
    const unwatch = signal && watchAbort(signal, onAbort)
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c
        if (cancelled !== undefined) c.abort(abortError())
      },
      onResponseStart(_c, statusCode, responseHeaders) {
        status = statusCode
        headers = responseHeaders
      },
      onResponseData(_c, chunk) {
        body.push(chunk)
      },
      onResponseEnd() {
        const parts = body.parts()
        finish(() => resolve({ status, headers, parts }))
      },
      onResponseError(_c, err) {
        finish(() => reject(err))
      },
    }
    try {
      dispatcher.dispatch({ origin: url.origin, path: `${url.pathname}${url.search}`, method: req.method, headers: req.headers, body: req.body ?? null }, handler)
    } catch (err) {
      finish(() => reject(err))
    }
  })
}

function reasonOf(signal: AbortSignal): unknown {
  return signal.reason ?? new Error('aborted')
}
