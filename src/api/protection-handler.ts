/**
 * The protection API's answers: routes a request read by the HTTP/1.1 connection
 * (http1/http1-connection.ts), checks it (checkRequest), asks the store when the request alone does
 * not decide. Every answer is `True` or `False`; every 4xx/5xx answer is `False` with a log line
 * (warn for 4xx, error for 5xx).
 */
import { toErrorInfo } from '../domain/errors.ts'
import type { Logger } from '../domain/logger.ts'
import type { TrackedBackupLookup } from '../domain/protection-port.ts'
import type { Answer } from './http1/answer-bytes.ts'
import type { Http1Request, Http1Service } from './http1/http1-connection.ts'
import type { RequestHead } from './http1/request-head.ts'
import { checkRequest, storeFailure, trackedDecision, type ProtectedKind, type ProtectionDecision } from './routes/backup-protection.ts'
import { queryParam } from './query-param.ts'

/** oslo.policy sends ~2 kB; anything much larger is not a policy check. */
export const BODY_LIMIT = 64 * 1024
/** A declared body beyond this is refused at once (connection closed) rather than read and dropped. */
export const DECLARED_LIMIT = 16 * BODY_LIMIT
const ALLOW = 'GET, HEAD, POST'
const SERVED = '/v1/backup?backup_id=, /v1/snapshot?snapshot_id=, /v1/health'

export interface ProtectionHandlerDeps {
  readonly lookup: TrackedBackupLookup
  readonly logger: Logger
  /** Observes each request head once read (tests). */
  readonly onHead?: (head: RequestHead) => void
}

const TRUE: Answer = { status: 200, body: 'True' }
const FALSE: Answer = { status: 200, body: 'False' }
const ALLOW_HEADERS = [['allow', ALLOW]] as const

export function createProtectionHandler(deps: ProtectionHandlerDeps): Http1Service {
  const { lookup, logger } = deps

  const send = (req: Http1Request | undefined, d: ProtectionDecision, headers?: Answer['headers']): Answer => {
    if (d.status >= 500) {
      logger.error({ status: d.status, code: d.code, id: d.id, url: req?.target, reason: d.reason }, `protection API answered False (${d.code})`)
    } else if (d.status >= 400) {
      logger.warn({ status: d.status, code: d.code, id: d.id, url: req?.target, reason: d.reason }, `protection API answered False (${d.code})`)
    } else {
      logger.debug({ id: d.id, answer: d.answer, reason: d.reason }, 'protection API answered')
      if (headers === undefined) return d.answer === 'True' ? TRUE : FALSE
    }
    return headers === undefined ? { status: d.status, body: d.answer } : { status: d.status, body: d.answer, headers }
  }

  const decide = (req: Http1Request, kind: ProtectedKind, search: string, body: string | undefined): Answer | Promise<Answer> => {
    const checked = checkRequest({ kind, query: queryParam(search, `${kind}_id`), contentType: req.contentType, body })
    if (!('lookup' in checked)) return send(req, checked)
    const id = checked.lookup
    let tracked: Promise<boolean>
    try {
      tracked = lookup.isTracked(id)
    } catch (err) {
      return send(req, storeFailure(id, err))
    }
    return tracked.then(
      (t) => send(req, trackedDecision(id, t)),
      (err: unknown) => send(req, storeFailure(id, err)),
    )
  }

  const health = (req: Http1Request): Promise<Answer> =>
    // Staffeln's health check: True when the store can be read.
    lookup.isTracked('api-health-check').then(
      () => send(req, { status: 200, answer: 'True', reason: 'store readable' }),
      (err: unknown) =>
        send(req, { status: 503, answer: 'False', code: 'STORE_UNAVAILABLE', reason: `the store cannot be read: ${toErrorInfo(err).message}` }),
    )

  const tooLarge = (req: Http1Request, bytes: number): Answer =>
    send(req, {
      status: 413,
      answer: 'False',
      code: 'API_BAD_REQUEST',
      reason: `the body has ${bytes} bytes; accepted: at most ${BODY_LIMIT} (oslo.policy sends about 2 kB)`,
    })

  return {
    ...(deps.onHead ? { onHead: deps.onHead } : {}),
    answer(req) {
      const url = req.target
      const q = url.indexOf('?')
      const path = q < 0 ? url : url.slice(0, q)
      const kind: ProtectedKind | undefined = path === '/v1/backup' ? 'backup' : path === '/v1/snapshot' ? 'snapshot' : undefined
      const method = req.method
      const search = q < 0 ? '' : url.slice(q + 1)
      if (kind !== undefined && method === 'POST') {
        if (req.overLimit !== undefined) return tooLarge(req, req.overLimit)
        return decide(req, kind, search, req.body)
      }
      // As node:http and Fastify did: a GET or HEAD body is read (to frame the next request) and ignored.
      if (kind !== undefined && (method === 'GET' || method === 'HEAD')) return decide(req, kind, search, undefined)
      if (kind !== undefined) {
        return send(
          req,
          { status: 405, answer: 'False', code: 'API_METHOD_NOT_ALLOWED', reason: `method ${method} is not allowed; allowed: ${ALLOW}` },
          ALLOW_HEADERS,
        )
      }
      if (path === '/v1/health' && (method === 'GET' || method === 'HEAD')) return health(req)
      return send(req, { status: 404, answer: 'False', code: 'API_NOT_FOUND', reason: `no route ${method} ${path}; served: ${SERVED}` })
    },
    refuse(status, reason) {
      if (status >= 500) return send(undefined, { status, answer: 'False', code: 'INTERNAL', reason })
      return send(undefined, { status, answer: 'False', code: 'API_BAD_REQUEST', reason: `the request is not HTTP the API can read: ${reason}` })
    },
  }
}
