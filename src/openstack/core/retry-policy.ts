import { setTimeout as delay } from 'node:timers/promises'
import { isTransient, retryAfterMs } from './errors.ts'

/** One retry about to happen (for logs and counters). */
export interface RetryEvent {
  /** What is being retried: `authentication`, `version discovery of …`. */
  readonly what: string
  /** The attempt that just failed (1-based). */
  readonly attempt: number
  readonly delayMs: number
  readonly error: unknown
}

/**
 * How the client retries its own connect path (authentication and version discovery): transient
 * errors only (network errors, timeouts, 408, 429, 5xx; `isTransient`), exponential backoff with
 * full jitter, a 429/503's Retry-After honoured up to maxDelayMs. The numbers are those the cycles
 * use for every other call (executor DEFAULT_RETRY); sleep and random are injectable for tests.
 */
export interface RetryPolicy {
  /** Total attempts including the first; 1 turns retrying off. */
  readonly maxAttempts: number
  readonly baseDelayMs: number
  readonly maxDelayMs: number
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>
  readonly random: () => number
  readonly onRetry?: ((e: RetryEvent) => void) | undefined
}

export const DEFAULT_CONNECT_RETRY: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 1000,
  maxDelayMs: 30_000,
  sleep: async (ms, signal) => {
    await delay(ms, undefined, signal ? { signal } : {})
  },
  random: Math.random,
}

/** The policy with these fields replaced. */
export function retryPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  return { ...DEFAULT_CONNECT_RETRY, ...overrides }
}

/**
 * Calls `fn` until it succeeds, fails with a permanent error, or maxAttempts transient failures
 * happened; the last error is rethrown unchanged (so callers still classify it). An aborted signal
 * ends the wait with the signal's reason.
 */
export async function retryTransient<T>(what: string, fn: () => Promise<T>, policy: RetryPolicy, signal?: AbortSignal): Promise<T> {
  const maxAttempts = Math.max(1, Math.floor(policy.maxAttempts))
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn()
    } catch (err) {
      if (attempt >= maxAttempts || !isTransient(err) || signal?.aborted === true) throw err
      const delayMs = backoffMs(attempt, err, policy)
      policy.onRetry?.({ what, attempt, delayMs, error: err })
      await policy.sleep(delayMs, signal)
    }
  }
}

function backoffMs(attempt: number, err: unknown, policy: RetryPolicy): number {
  const asked = retryAfterMs(err)
  if (asked !== undefined && Number.isFinite(asked) && asked >= 0) return Math.min(asked, policy.maxDelayMs)
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1))
  return Math.floor(policy.random() * ceiling)
}
