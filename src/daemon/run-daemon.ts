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
  /**
   * Work beside the jobs (connecting to the cloud in the background); its signal aborts when the
   * daemon stops, and the stop waits for it to end (a connection being opened is then closed with the rest).
   */
  readonly background?: readonly ((signal: AbortSignal) => Promise<void>)[]
  /**
   * Rejects when the daemon cannot go on (the cloud configuration is wrong): the daemon then stops
   * as on SIGTERM and runDaemon rejects with that error (the CLI exits 1 on a configuration error).
   */
  readonly fatal?: Promise<never>
  readonly logger?: Logger
}

/**
 * Starts the scheduler and resolves, with the signal, once SIGTERM/SIGINT stopped it gracefully
 * and every closer ran. A second signal exits 130 at once (see onShutdown). cli/ exits 0 after.
 */
export function runDaemon(deps: RunDaemonDeps): Promise<ShutdownSignal> {
  const logger = deps.logger ?? silentLogger
  const background = new AbortController()
  return new Promise<ShutdownSignal>((resolve, reject) => {
    let stopping: Promise<void> | undefined
    const running: Promise<void>[] = []
    const stop = (): Promise<void> => {
      stopping ??= (async () => {
        background.abort()
        await deps.scheduler.stop({ graceMs: deps.graceMs })
        await Promise.allSettled(running)
        for (const closer of deps.closers ?? []) {
          try {
            await closer.close()
          } catch (err) {
            logger.error({ closer: closer.name, err: toErrorInfo(err) }, 'close failed during shutdown')
          }
        }
      })()
      return stopping
    }
    const dispose = onShutdown(
      deps.proc,
      async (signal) => {
        await stop()
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
      background.abort()
      reject(err)
      return
    }
    for (const task of deps.background ?? []) {
      running.push(task(background.signal).catch((err: unknown) => logger.error({ err: toErrorInfo(err) }, 'background task failed')))
    }
    void deps.fatal?.catch(async (err: unknown) => {
      logger.error({ err: toErrorInfo(err) }, 'the daemon cannot go on; stopping')
      await stop()
      dispose()
      reject(err)
    })
  })
}
