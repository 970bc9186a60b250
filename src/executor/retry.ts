import type { Random, Sleep } from '../domain/clock.ts'
import { sleepOrCancel, throwIfAborted } from './abort.ts'
import { CancelledError, RetriesExhaustedError } from './errors.ts'

export interface RetryInfo {
  /** The attempt that just failed (1-based). */
  readonly attempt: number
  readonly delayMs: number
  readonly error: unknown
}

export interface RetryOptions {
  /** The client's classifier: only these errors are retried; any other is rethrown as it is. */
  readonly isTransient: (err: unknown) => boolean
  /** How long the server asked us to wait (Retry-After), in ms; still capped by maxDelayMs. */
  readonly retryAfterMs?: (err: unknown) => number | undefined
  /** Total attempts including the first (>= 1). */
  readonly maxAttempts: number
  readonly baseDelayMs: number
  readonly maxDelayMs: number
  readonly sleep: Sleep
  readonly random: Random
  readonly signal?: AbortSignal
  readonly onRetry?: (info: RetryInfo) => void
}

/** Retry policy knobs without the injected machinery (what callers configure). */
export type RetrySettings = Pick<RetryOptions, 'maxAttempts' | 'baseDelayMs' | 'maxDelayMs'>

export const DEFAULT_RETRY: RetrySettings = { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 30_000 }

/**
 * The delay before the attempt after `attempt`: exponential backoff with full jitter
 * (random in [0, min(max, base·2^(attempt-1)))), or the server's Retry-After capped at maxDelayMs.
 */
export function retryDelayMs(attempt: number, err: unknown, opts: Omit<RetryOptions, 'sleep' | 'isTransient'>): number {
  const asked = opts.retryAfterMs?.(err)
  if (asked !== undefined && Number.isFinite(asked) && asked >= 0) return Math.min(asked, opts.maxDelayMs)
  const ceiling = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** (attempt - 1))
  return Math.floor(opts.random() * ceiling)
}

/**
 * Calls `fn` until it succeeds, a permanent error occurs (rethrown unchanged), or maxAttempts
 * transient failures have happened (RetriesExhaustedError with the last error as cause).
 * An aborted signal stops it with CancelledError, before an attempt or during the wait.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const maxAttempts = Math.max(1, Math.floor(opts.maxAttempts))
  for (let attempt = 1; ; attempt++) {
    throwIfAborted(opts.signal, 'retry')
    try {
      return await fn(attempt)
    } catch (err) {
      if (err instanceof CancelledError) throw err
      if (opts.signal?.aborted) throw new CancelledError('retry', err)
      if (!opts.isTransient(err)) throw err
      if (attempt >= maxAttempts) throw new RetriesExhaustedError(attempt, err)
      const delayMs = retryDelayMs(attempt, err, opts)
      opts.onRetry?.({ attempt, delayMs, error: err })
      await sleepOrCancel(opts.sleep, delayMs, opts.signal, 'retry')
    }
  }
}
