import { toErrorInfo } from '../domain/errors.ts'
import { silentLogger, type Logger } from '../domain/logger.ts'

export const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT'] as const
export type ShutdownSignal = (typeof SHUTDOWN_SIGNALS)[number]

/** The part of `process` this needs; an EventEmitter with an `exit` function in tests. */
export interface SignalSource {
  on(event: ShutdownSignal, listener: () => void): unknown
  off(event: ShutdownSignal, listener: () => void): unknown
  exit(code: number): void
}

/** Exit code after a second signal (128 + SIGINT), as shells report an interrupted program. */
export const FORCED_EXIT_CODE = 130

/**
 * First SIGTERM/SIGINT → `handler(signal)` (a graceful stop); a second one while it runs → exit 130
 * at once. A handler that rejects is logged and exits 1; one that resolves leaves exiting to the
 * caller. Returns a function that removes the listeners.
 */
export function onShutdown(
  proc: SignalSource,
  handler: (signal: ShutdownSignal) => Promise<void> | void,
  opts: { readonly logger?: Logger } = {},
): () => void {
  const logger = opts.logger ?? silentLogger
  let received: ShutdownSignal | undefined
  const listeners = SHUTDOWN_SIGNALS.map((signal) => {
    const listener = () => {
      if (received) {
        logger.warn({ signal, first: received }, 'second shutdown signal, exiting now')
        proc.exit(FORCED_EXIT_CODE)
        return
      }
      received = signal
      logger.info({ signal }, 'shutdown signal received, stopping gracefully (send it again to exit now)')
      Promise.resolve()
        .then(() => handler(signal))
        .catch((err: unknown) => {
          logger.error({ signal, err: toErrorInfo(err) }, 'graceful shutdown failed')
          proc.exit(1)
        })
    }
    proc.on(signal, listener)
    return [signal, listener] as const
  })
  return () => {
    for (const [signal, listener] of listeners) proc.off(signal, listener)
  }
}
