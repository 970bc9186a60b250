/**
 * `snapwarden api --workers N`: N processes serve the protection API on one listener (node:cluster;
 * the workers accept connections themselves, or the primary hands each to one: AcceptMode).
 * Every worker runs this same command line and
 * serves the API as a single process would (its own store reader, its own log lines); the primary
 * only starts, replaces and stops them. A worker that dies is replaced (at most MAX_REPLACEMENTS
 * times in all); its open connections are dropped, which Cinder sees as an error (fail-closed).
 */
import cluster, { type Worker } from 'node:cluster'
import { UserError } from '../domain/errors.ts'
import type { Logger } from '../domain/logger.ts'

/** The IPC message a worker stops on (gracefully, as on SIGTERM). */
export const STOP_MESSAGE = 'snapwarden-protection-stop'
const MAX_REPLACEMENTS = 3

/**
 * Who accepts connections (`--accept`):
 * - `workers` (the default; node:cluster's SCHED_NONE): each worker accepts from the shared
 *   listening socket. oslo.policy opens a new connection for every check, and handing each over
 *   costs more than the check: with a new connection per check (2 cores, shared machine) the
 *   primary handing them over took 290–430 µs of CPU per check over the processes and served fewer
 *   checks per second than one process (122–140 µs); the workers accepting took 124–157 µs.
 *   The kernel gives a connection to whichever worker accepts first, so long-lived connections
 *   opened together can be shared unevenly: 64 opened at once went 14:50 to 64:0.
 * - `primary` (node:cluster's default, round-robin): the primary accepts each connection and hands
 *   it to the next worker over IPC: long-lived keep-alive connections are spread evenly.
 */
export const ACCEPT_MODES = ['workers', 'primary'] as const
export type AcceptMode = (typeof ACCEPT_MODES)[number]

export interface ProtectionCluster {
  /** `http://host:port` (or https) once every worker serves. */
  readonly address: string
  /** Resolves when a worker died and could not be replaced (then every worker has been stopped). */
  readonly failed: Promise<Error>
  /** Asks every worker to stop gracefully; resolves when all have exited. */
  close(): Promise<void>
}

/** True in a worker process of `snapwarden api --workers N`. */
export const isProtectionWorker = (): boolean => cluster.isWorker

/** In a worker: calls `stop` once the primary asks it to stop. */
export function onStopMessage(stop: () => void): void {
  process.on('message', (m: unknown) => {
    if (m === STOP_MESSAGE) stop()
  })
}

/** In a worker whose server has closed: leaves the cluster, so the process can exit. */
export function leaveCluster(): void {
  if (cluster.worker?.isConnected()) cluster.worker.disconnect()
}

export async function startProtectionCluster(o: {
  readonly workers: number
  readonly accept: AcceptMode
  readonly scheme: 'http' | 'https'
  readonly logger: Logger
}): Promise<ProtectionCluster> {
  const log = o.logger.child({ component: 'protection-api' })
  let stopping = false
  let replacements = 0
  let fail: (err: Error) => void = () => {}
  const failed = new Promise<Error>((resolve) => (fail = resolve))
  const live = new Set<Worker>()
  // Read by node:cluster when it forks the first worker.
  cluster.schedulingPolicy = o.accept === 'workers' ? cluster.SCHED_NONE : cluster.SCHED_RR

  const fork = (): Promise<{ address: string; port: number }> =>
    new Promise((resolve, reject) => {
      const w = cluster.fork()
      live.add(w)
      let listening = false
      w.once('listening', (a: { address: string; port: number }) => {
        listening = true
        resolve(a)
      })
      w.once('exit', (code: number | null, signal: string | null) => {
        live.delete(w)
        if (stopping) return
        const how = signal ? `signal ${signal}` : `exit ${code}`
        if (!listening) {
          reject(new UserError(`protection API worker ${w.process.pid} stopped before it served (${how}); its error is above`, 'CONFIG_INVALID'))
          return
        }
        if (replacements >= MAX_REPLACEMENTS) {
          log.error({ pid: w.process.pid, how, replacements }, 'protection API worker died and was replaced too often: stopping')
          void stopAll().then(() => fail(new Error(`protection API workers died ${replacements + 1} times (last: ${how})`)))
          return
        }
        replacements++
        log.error({ pid: w.process.pid, how, replacements }, 'protection API worker died: starting another')
        fork().then(
          () => log.info({ replacements }, 'protection API worker replaced: the new one serves'),
          (err: unknown) => {
            void stopAll().then(() => fail(err instanceof Error ? err : new Error(String(err))))
          },
        )
      })
    })

  const stopAll = async (): Promise<void> => {
    stopping = true
    const exits = [...live].map((w) => new Promise<void>((resolve) => (w.isDead() ? resolve() : w.once('exit', () => resolve()))))
    for (const w of live) {
      if (w.isConnected()) w.send(STOP_MESSAGE)
      else w.process.kill('SIGTERM')
    }
    await Promise.all(exits)
  }

  let first: { address: string; port: number }
  try {
    ;[first] = (await Promise.all(Array.from({ length: o.workers }, () => fork()))) as [{ address: string; port: number }]
  } catch (err) {
    await stopAll()
    throw err
  }
  const host = first.address.includes(':') ? `[${first.address}]` : first.address
  log.info({ workers: o.workers, accept: o.accept }, 'protection API workers serving')
  return { address: `${o.scheme}://${host}:${first.port}`, failed, close: stopAll }
}
