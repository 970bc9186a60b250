import { toErrorInfo } from '../domain/errors.ts'
import { silentLogger, type Logger } from '../domain/logger.ts'
import type { JobScheduler } from './job-scheduler.ts'
import { onShutdown, type ShutdownSignal, type SignalSource } from './signals.ts'

export interface RunDaemonDeps {
  readonly scheduler: Pick<JobScheduler, 'start' | 'stop'>
  readonly proc: SignalSource
  /** How long in-flight jobs may run on after the first signal before their signal aborts. */
  readonly graceMs: number
  /** Closed in order after the jobs stopped (HTTP server, store, …); a failing closer is logged. */
  readonly closers?: readonly { readonly name: string; close(): Promise<void> }[]
  readonly logger?: Logger
}

/**
 * Starts the scheduler and resolves, with the signal, once SIGTERM/SIGINT stopped it gracefully
 * and every closer ran. A second signal exits 130 at once (see onShutdown). cli/ exits 0 after.
 */
export function runDaemon(deps: RunDaemonDeps): Promise<ShutdownSignal> {
  const logger = deps.logger ?? silentLogger
  return new Promise<ShutdownSignal>((resolve, reject) => {
    const dispose = onShutdown(
      deps.proc,
      async (signal) => {
        await deps.scheduler.stop({ graceMs: deps.graceMs })
        for (const closer of deps.closers ?? []) {
          try {
            await closer.close()
          } catch (err) {
            logger.error({ closer: closer.name, err: toErrorInfo(err) }, 'close failed during shutdown')
          }
        }
        logger.info({ signal }, 'daemon stopped')
        resolve(signal)
      },
      { logger },
    )
    try {
      deps.scheduler.start()
      logger.info({ graceMs: deps.graceMs }, 'daemon started')
    } catch (err) {
      dispose()
      reject(err)
    }
  })
}
