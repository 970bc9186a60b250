/**
 * The protection API (Staffeln's API): Cinder's `backup:delete` policy asks it, through
 * oslo.policy's HttpCheck, whether a non-admin may delete a backup. Every answer is the text
 * `True` or `False`; anything that goes wrong answers `False` (fail-closed) with a 4xx/5xx status
 * and a log line.
 *
 * A TCP (or TLS) server whose connections speak HTTP/1.1 through http1/http1-connection.ts: Cinder
 * asks on every backup delete, and node:http's objects and streams cost more per request than the
 * decision itself (BENCHMARKS.md, Protection API). The answers come from protection-handler.ts.
 */
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { createServer as createTlsServer } from 'node:tls'
import { silentLogger, type Logger } from '../domain/logger.ts'
import type { TrackedBackupLookup } from '../domain/protection-port.ts'
import { Http1Connection, type Http1Limits, type ServerState } from './http1/http1-connection.ts'
import type { RequestHead } from './http1/request-head.ts'
import { BODY_LIMIT, createProtectionHandler, DECLARED_LIMIT } from './protection-handler.ts'

export interface ProtectionAppDeps {
  readonly lookup: TrackedBackupLookup
  readonly logger?: Logger
  /** Observes each request head once read (tests). */
  readonly onHead?: (head: RequestHead) => void
}

/** PEM contents (not paths) for HTTPS; with `clientCa`, clients must present a certificate it signed. */
export interface ProtectionTls {
  readonly cert: string | Buffer
  readonly key: string | Buffer
  readonly clientCa?: string | Buffer
}

export interface ProtectionAppOptions {
  readonly tls?: ProtectionTls
  /** Connection limits and timeouts; the defaults are DEFAULT_LIMITS. */
  readonly limits?: Partial<Http1Limits>
}

export interface ProtectionApp {
  /** The TCP (or TLS) server; every connection speaks HTTP/1.1 to the protection handler. */
  readonly server: Server
  /** Listens; resolves to the URL it serves, e.g. `http://127.0.0.1:8808` or `https://[::1]:8808`. */
  listen(opts: { readonly host: string; readonly port: number }): Promise<string>
  /**
   * Stops accepting connections and closes idle ones; checks in flight are answered and their
   * connections closed. Resolves when every connection is closed.
   */
  close(): Promise<void>
}

/** As node:http's defaults, except the keep-alive time (as Fastify did: longer than usual proxy idle timeouts). */
export const DEFAULT_LIMITS: Http1Limits = {
  maxHeadBytes: 16 * 1024,
  bodyLimit: BODY_LIMIT,
  declaredLimit: DECLARED_LIMIT,
  keepAliveMs: 72_000,
  requestTimeoutMs: 60_000,
}

/** Builds the server; throws when the TLS certificate or key cannot be used. */
export function buildProtectionApp(deps: ProtectionAppDeps, opts: ProtectionAppOptions = {}): ProtectionApp {
  const state: ServerState = { closing: false }
  const logger = deps.logger ?? silentLogger
  const service = createProtectionHandler({ lookup: deps.lookup, logger, ...(deps.onHead ? { onHead: deps.onHead } : {}) })
  const limits: Http1Limits = { ...DEFAULT_LIMITS, ...opts.limits }
  const connections = new Set<Http1Connection>()
  const serve = (socket: Socket) => {
    const c = new Http1Connection(socket, service, limits, state)
    connections.add(c)
    socket.once('close', () => connections.delete(c))
    if (state.closing) c.closeIfIdle()
  }
  const tls = opts.tls
  // Half-open: a client may end its side after its request and still read the answer.
  const server: Server = tls
    ? createTlsServer(
        {
          cert: tls.cert,
          key: tls.key,
          allowHalfOpen: true,
          ...(tls.clientCa !== undefined ? { ca: tls.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
        },
        serve,
      )
    : createTcpServer({ allowHalfOpen: true }, serve)
  // A request read too slowly is answered 408 (slow clients cannot hold connections for ever).
  const sweep = setInterval(() => {
    const now = Date.now()
    for (const c of connections) c.checkDeadline(now)
  }, Math.min(limits.requestTimeoutMs / 2, 5_000))
  sweep.unref()
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
        clearInterval(sweep)
        if (!server.listening) return resolve()
        server.close(() => resolve())
        for (const c of connections) c.closeIfIdle()
      }),
  }
}
