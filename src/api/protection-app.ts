/**
 * The protection API (Staffeln's API): Cinder's `backup:delete` policy asks it, through
 * oslo.policy's HttpCheck, whether a non-admin may delete a backup. Every answer is the text
 * `True` or `False`; anything that goes wrong answers `False` (fail-closed) with a 4xx/5xx status
 * and a log line.
 *
 * A bare `node:http`/`node:https` server: Cinder asks on every backup delete, and the framework's
 * routing, hooks and reply objects cost more per request than the decision itself
 * (BENCHMARKS.md, Protection API). The requests themselves are handled in protection-handler.ts.
 */
import { createServer as createHttpServer, type Server } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { silentLogger, type Logger } from '../domain/logger.ts'
import type { TrackedBackupLookup } from '../domain/protection-port.ts'
import { createClientErrorHandler, createProtectionHandler } from './protection-handler.ts'

export interface ProtectionAppDeps {
  readonly lookup: TrackedBackupLookup
  readonly logger?: Logger
}

/** PEM contents (not paths) for HTTPS; with `clientCa`, clients must present a certificate it signed. */
export interface ProtectionTls {
  readonly cert: string | Buffer
  readonly key: string | Buffer
  readonly clientCa?: string | Buffer
}

export interface ProtectionAppOptions {
  readonly tls?: ProtectionTls
}

export interface ProtectionApp {
  /** The HTTP(S) server; every request goes to the protection handler. */
  readonly server: Server
  /** Listens; resolves to the URL it serves, e.g. `http://127.0.0.1:8808` or `https://[::1]:8808`. */
  listen(opts: { readonly host: string; readonly port: number }): Promise<string>
  /**
   * Stops accepting connections and closes idle ones; checks in flight are answered and their
   * connections closed. Resolves when every connection is closed.
   */
  close(): Promise<void>
}

/** Idle keep-alive connections are kept this long (as Fastify did: longer than usual proxy idle timeouts). */
const KEEP_ALIVE_MS = 72_000

/** Builds the server; throws when the TLS certificate or key cannot be used. */
export function buildProtectionApp(deps: ProtectionAppDeps, opts: ProtectionAppOptions = {}): ProtectionApp {
  const state = { closing: false }
  const logger = deps.logger ?? silentLogger
  const handler = createProtectionHandler({ lookup: deps.lookup, logger, isClosing: () => state.closing })
  const tls = opts.tls
  const server: Server = tls
    ? createHttpsServer(
        {
          cert: tls.cert,
          key: tls.key,
          ...(tls.clientCa !== undefined ? { ca: tls.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
        },
        handler,
      )
    : createHttpServer(handler)
  server.keepAliveTimeout = KEEP_ALIVE_MS
  server.on('clientError', createClientErrorHandler(logger))
  const scheme = tls ? 'https' : 'http'
  return {
    server,
    listen: ({ host, port }) =>
      new Promise<string>((resolve, reject) => {
        const onError = (err: Error) => reject(err)
        server.once('error', onError)
        server.listen({ host, port }, () => {
          server.off('error', onError)
          const a = server.address() as AddressInfo
          resolve(`${scheme}://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`)
        })
      }),
    close: () =>
      new Promise<void>((resolve) => {
        state.closing = true
        if (!server.listening) return resolve()
        server.close(() => resolve())
        server.closeIdleConnections()
      }),
  }
}
