import type { Sleep } from '../domain/clock.ts'
import { CancelledError } from './errors.ts'

/** Throws CancelledError when the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new CancelledError(what, signal.reason)
}

/** Sleeps on the injected Sleep; an abort (whether the sleep rejects or resolves early) becomes CancelledError. */
export async function sleepOrCancel(sleep: Sleep, ms: number, signal: AbortSignal | undefined, what: string): Promise<void> {
  throwIfAborted(signal, what)
  try {
    await sleep(ms, signal)
  } catch (err) {
    if (signal?.aborted) throw new CancelledError(what, signal.reason)
    throw err
  }
  throwIfAborted(signal, what)
}
