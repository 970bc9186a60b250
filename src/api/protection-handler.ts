/**
 * The protection API's request handler (`node:http`): routes, reads the body within its limit,
 * checks the request (checkRequest), asks the store when the request alone does not decide, and
 * writes the answer with one write. Every answer is `True` or `False`;
 * every 4xx/5xx answer is `False` with a log line (warn for 4xx, error for 5xx).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { toErrorInfo } from '../domain/errors.ts'
import type { Logger } from '../domain/logger.ts'
import type { TrackedBackupLookup } from '../domain/protection-port.ts'
import { checkRequest, storeFailure, trackedDecision, type ProtectedKind, type ProtectionDecision } from './routes/backup-protection.ts'
import { queryParam } from './query-param.ts'

/** oslo.policy sends ~2 kB; anything much larger is not a policy check. */
export const BODY_LIMIT = 64 * 1024
/** A declared body beyond this is refused at once (connection closed) rather than read and dropped. */
const DECLARED_LIMIT = 16 * BODY_LIMIT
const ALLOW = 'GET, HEAD, POST'
const SERVED = '/v1/backup?backup_id=, /v1/snapshot?snapshot_id=, /v1/health'

export interface ProtectionHandlerDeps {
  readonly lookup: TrackedBackupLookup
  readonly logger: Logger
  /** True once the server is closing: every answer then closes its connection. */
  readonly isClosing: () => boolean
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void

const CLIENT_ERROR_ANSWER =
  'HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain; charset=utf-8\r\ncache-control: no-store\r\ncontent-length: 5\r\nconnection: close\r\n\r\nFalse'

/**
 * The server's `clientError` listener: a request that is not HTTP (a broken request line or header,
 * a header too large) answers `False` with 400 and a log line, like any request it cannot read.
 * A client that went away is not logged (nobody to answer, nothing wrong with the API).
 */
export function createClientErrorHandler(logger: Logger): (err: Error & { code?: string }, socket: Duplex) => void {
  return (err, socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy()
      return
    }
    logger.warn({ status: 400, code: 'API_BAD_REQUEST', reason: `the request is not HTTP the API can read: ${err.code ?? err.name}` }, 'protection API answered False (API_BAD_REQUEST)')
    socket.end(CLIENT_ERROR_ANSWER)
  }
}

export function createProtectionHandler(deps: ProtectionHandlerDeps): Handler {
  const { lookup, logger } = deps

  const send = (req: IncomingMessage, res: ServerResponse, d: ProtectionDecision, extra?: readonly [string, string]): void => {
    if (d.status >= 500) {
      logger.error({ status: d.status, code: d.code, id: d.id, url: req.url, reason: d.reason }, `protection API answered False (${d.code})`)
    } else if (d.status >= 400) {
      logger.warn({ status: d.status, code: d.code, id: d.id, url: req.url, reason: d.reason }, `protection API answered False (${d.code})`)
    } else {
      logger.debug({ id: d.id, answer: d.answer, reason: d.reason }, 'protection API answered')
    }
    if (res.headersSent) return
    const headers = ['content-type', 'text/plain; charset=utf-8', 'cache-control', 'no-store', 'content-length', String(d.answer.length)]
    if (extra) headers.push(extra[0], extra[1])
    if (deps.isClosing()) headers.push('connection', 'close')
    res.writeHead(d.status, headers)
    res.end(req.method === 'HEAD' ? undefined : d.answer)
  }

  const fail = (req: IncomingMessage, res: ServerResponse, err: unknown): void => {
    const info = toErrorInfo(err)
    send(req, res, { status: 500, answer: 'False', code: 'INTERNAL', reason: `${info.code}: ${info.message}` })
  }

  const decide = (req: IncomingMessage, res: ServerResponse, kind: ProtectedKind, search: string, body: string | undefined): void => {
    const checked = checkRequest({ kind, query: queryParam(search, `${kind}_id`), contentType: req.headers['content-type'], body })
    if (!('lookup' in checked)) return send(req, res, checked)
    const id = checked.lookup
    let tracked: Promise<boolean>
    try {
      tracked = lookup.isTracked(id)
    } catch (err) {
      return send(req, res, storeFailure(id, err))
    }
    tracked.then(
      (t) => send(req, res, trackedDecision(id, t)),
      (err: unknown) => send(req, res, storeFailure(id, err)),
    )
  }

  const health = (req: IncomingMessage, res: ServerResponse): void => {
    // Staffeln's health check: True when the store can be read.
    lookup.isTracked('api-health-check').then(
      () => send(req, res, { status: 200, answer: 'True', reason: 'store readable' }),
      (err: unknown) =>
        send(req, res, { status: 503, answer: 'False', code: 'STORE_UNAVAILABLE', reason: `the store cannot be read: ${toErrorInfo(err).message}` }),
    )
  }

  return (req, res) => {
    try {
      const url = req.url ?? ''
      const q = url.indexOf('?')
      const path = q < 0 ? url : url.slice(0, q)
      const kind: ProtectedKind | undefined = path === '/v1/backup' ? 'backup' : path === '/v1/snapshot' ? 'snapshot' : undefined
      const method = req.method
      const search = q < 0 ? '' : url.slice(q + 1)
      if (kind !== undefined && method === 'POST') return readBody(req, res, (body) => decide(req, res, kind, search, body))
      req.resume()
      // As before (Fastify): a GET or HEAD body is not read.
      if (kind !== undefined && (method === 'GET' || method === 'HEAD')) return decide(req, res, kind, search, undefined)
      if (kind !== undefined) {
        return send(
          req,
          res,
          { status: 405, answer: 'False', code: 'API_METHOD_NOT_ALLOWED', reason: `method ${method} is not allowed; allowed: ${ALLOW}` },
          ['allow', ALLOW],
        )
      }
      if (path === '/v1/health' && (method === 'GET' || method === 'HEAD')) return health(req, res)
      return send(req, res, { status: 404, answer: 'False', code: 'API_NOT_FOUND', reason: `no route ${method} ${path}; served: ${SERVED}` })
    } catch (err) {
      fail(req, res, err)
    }
  }

  /**
   * Calls `then` with the body as text (undefined when there is none), or answers 413. A body over
   * the limit is read to its end and dropped (so the client reads the answer rather than a reset),
   * unless it declares more than DECLARED_LIMIT: then the answer closes the connection.
   */
  function readBody(req: IncomingMessage, res: ServerResponse, then: (body: string | undefined) => void): void {
    const tooLarge = (bytes: number | string) =>
      send(req, res, {
        status: 413,
        answer: 'False',
        code: 'API_BAD_REQUEST',
        reason: `the body has ${bytes} bytes; accepted: at most ${BODY_LIMIT} (oslo.policy sends about 2 kB)`,
      })
    const declared = Number(req.headers['content-length'] ?? 0)
    if (declared > DECLARED_LIMIT) {
      res.shouldKeepAlive = false
      req.resume()
      return tooLarge(declared)
    }
    let first: Buffer | undefined
    let more: Buffer[] | undefined
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > BODY_LIMIT) {
        first = undefined
        more = undefined
      } else if (first === undefined) {
        first = chunk
      } else {
        ;(more ??= [first]).push(chunk)
      }
    })
    req.on('end', () => {
      if (size > BODY_LIMIT) return tooLarge(size)
      try {
        then(size === 0 ? undefined : (more ? Buffer.concat(more) : first!).toString('utf8'))
      } catch (err) {
        fail(req, res, err)
      }
    })
    // A client that goes away mid-body gets no answer; there is nobody to read it.
    req.on('error', () => {})
  }
}
