import type { Clock, Random, Sleep } from '../domain/clock.ts'
import { toErrorInfo, type ErrorInfo } from '../domain/errors.ts'
import type { Logger } from '../domain/logger.ts'
import type { Metrics } from '../domain/metrics.ts'
import type { Cloud } from '../domain/ports.ts'
import { CancelledError } from './errors.ts'
import { withRetry, type RetrySettings } from './retry.ts'

/** What the executor is given; it builds nothing concrete itself. */
export interface ExecutorDeps {
  readonly cloud: Cloud
  readonly clock: Clock
  readonly sleep: Sleep
  readonly random: Random
  readonly logger: Logger
  readonly metrics: Metrics
}

/** Settings after defaults are applied. */
export interface ItemSettings {
  readonly waitForAvailable: boolean
  readonly createTimeoutMs: number
  readonly healTimeoutMs: number
  readonly pollIntervalMs: number
  readonly retry: RetrySettings
  readonly forceInUse: boolean
}

export interface ItemOutcome {
  /** `skipped`: nothing was done and nothing failed (a planned duplicate delete found the window changed). */
  readonly status: 'succeeded' | 'failed' | 'skipped'
  readonly error?: ErrorInfo
}

/** One item's working state: its steps, its logger, and retry wired to the client's classifier. */
export class ItemRun {
  readonly steps: string[] = []
  snapshotId: string | undefined
  /** A create request of this item failed transiently: its snapshot may still land (a lost answer). */
  createMayLandLate = false
  readonly log: Logger
  readonly deps: ExecutorDeps
  readonly settings: ItemSettings
  readonly signal: AbortSignal | undefined

  constructor(deps: ExecutorDeps, settings: ItemSettings, signal: AbortSignal | undefined, bindings: Record<string, unknown>) {
    this.deps = deps
    this.settings = settings
    this.signal = signal
    this.log = deps.logger.child(bindings)
  }

  get cloud(): Cloud {
    return this.deps.cloud
  }

  /** Appends a step and logs it. */
  step(text: string, fields: Record<string, unknown> = {}): void {
    this.steps.push(text)
    this.log.info({ ...fields, snapshotId: this.snapshotId, step: text }, text)
  }

  /** One API call, retried on transient errors with backoff and jitter; each retry is logged and counted. */
  retry<T>(op: string, fn: (attempt: number) => Promise<T>): Promise<T> {
    const { cloud, sleep, random, metrics } = this.deps
    return withRetry(fn, {
      ...this.settings.retry,
      isTransient: (err) => cloud.isTransient(err),
      retryAfterMs: (err) => cloud.retryAfterMs(err),
      sleep,
      random,
      signal: this.signal,
      onRetry: ({ attempt, delayMs, error }) => {
        metrics.inc('snapwarden_api_retries_total', { operation: op })
        this.log.warn({ op, attempt, delayMs, err: toErrorInfo(error) }, `${op} failed transiently; retrying`)
      },
    })
  }

  /** Turns an item's error into a failed outcome; cancellation is rethrown, never recorded as a failure. */
  fail(action: string, err: unknown): ItemOutcome {
    if (err instanceof CancelledError) throw err
    if (this.signal?.aborted) throw new CancelledError('snapshot run', this.signal.reason)
    const error = toErrorInfo(err)
    this.steps.push(`failed: ${error.code}: ${error.message}`)
    this.deps.metrics.inc('snapwarden_item_failures_total', { action, code: error.code })
    this.log.error({ action, snapshotId: this.snapshotId, err: error }, `${action} failed`)
    return { status: 'failed', error }
  }
}

export function errorCodeIs(err: unknown, code: string, status: number): boolean {
  if (toErrorInfo(err).code === code) return true
  const s = (err as { status?: unknown } | null)?.status
  return s === status
}
