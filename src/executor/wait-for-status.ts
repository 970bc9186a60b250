import type { Clock, Sleep } from '../domain/clock.ts'
import { sleepOrCancel, throwIfAborted } from './abort.ts'
import { ResourceFailedError, WaitTimeoutError } from './errors.ts'

export interface WaitOptions {
  /** The status to wait for; `'deleted'` is reached when `get` resolves undefined. */
  readonly target: string
  /** Statuses that end the wait with ResourceFailedError (default: `error`). */
  readonly failures?: readonly string[]
  readonly timeoutMs: number
  readonly intervalMs: number
  /** Back off: the interval doubles after each poll up to this (default: no back-off). */
  readonly maxIntervalMs?: number
  readonly clock: Clock
  readonly sleep: Sleep
  readonly signal?: AbortSignal
  /** Names the resource in messages, e.g. `snapshot 1234`. */
  readonly what?: string
  /** Called with every status seen (for logs). */
  readonly onPoll?: (status: string | undefined) => void
}

const norm = (s: string): string => s.toLowerCase()

/**
 * Polls `get` until the resource reaches `target` (openstacksdk's wait_for_status): a failure
 * status gives ResourceFailedError, running out of time on the injected clock WaitTimeoutError,
 * and `undefined` from get means gone (success for target `deleted`, failure otherwise).
 */
export function waitForStatus<T extends { readonly status: string }>(
  get: (signal?: AbortSignal) => Promise<T | undefined>,
  opts: WaitOptions & { readonly target: 'deleted' },
): Promise<T | undefined>
export function waitForStatus<T extends { readonly status: string }>(
  get: (signal?: AbortSignal) => Promise<T | undefined>,
  opts: WaitOptions,
): Promise<T>
export async function waitForStatus<T extends { readonly status: string }>(
  get: (signal?: AbortSignal) => Promise<T | undefined>,
  opts: WaitOptions,
): Promise<T | undefined> {
  const what = opts.what ?? 'resource'
  const target = norm(opts.target)
  const failures = new Set((opts.failures ?? ['error']).map(norm))
  const started = opts.clock.now().getTime()
  let interval = Math.max(1, opts.intervalMs)
  const maxInterval = Math.max(interval, opts.maxIntervalMs ?? interval)
  let lastStatus: string | undefined
  for (;;) {
    throwIfAborted(opts.signal, `waiting for ${what}`)
    const resource = await get(opts.signal)
    lastStatus = resource === undefined ? 'deleted' : resource.status
    opts.onPoll?.(resource?.status)
    if (resource === undefined) {
      if (target === 'deleted') return undefined
      throw new ResourceFailedError(`${what} went away while waiting for status ${opts.target}`, undefined)
    }
    const status = norm(resource.status)
    if (status === target) return resource
    if (failures.has(status)) {
      throw new ResourceFailedError(`${what} transitioned to failure state ${resource.status}`, resource.status)
    }
    const elapsed = opts.clock.now().getTime() - started
    if (elapsed >= opts.timeoutMs) throw new WaitTimeoutError(what, opts.target, opts.timeoutMs, lastStatus)
    await sleepOrCancel(opts.sleep, Math.min(interval, opts.timeoutMs - elapsed), opts.signal, `waiting for ${what}`)
    interval = Math.min(maxInterval, interval * 2)
  }
}
