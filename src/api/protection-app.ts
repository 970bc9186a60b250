/**
 * The protection API (Staffeln's API): Cinder's `backup:delete` policy asks it, through
 * oslo.policy's HttpCheck, whether a non-admin may delete a backup. Every answer is the text
 * `True` or `False`; anything that goes wrong answers `False` (fail-closed) with a 4xx/5xx status
 * and a log line.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import { toErrorInfo } from '../domain/errors.ts'
import { silentLogger, type Logger } from '../domain/logger.ts'
import type { TrackedBackupLookup } from '../domain/protection-port.ts'
import { decideProtection, PROTECTED_KINDS, type ProtectionDecision } from './routes/backup-protection.ts'

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

/** oslo.policy sends ~2 kB; anything much larger is not a policy check. */
const BODY_LIMIT = 64 * 1024
const ALLOW = 'GET, HEAD, POST'

export function buildProtectionApp(deps: ProtectionAppDeps, opts: ProtectionAppOptions = {}): FastifyInstance {
  const logger = deps.logger ?? silentLogger
  const tls = opts.tls
  const app = (
    tls
      ? Fastify({
          logger: false,
          return503OnClosing: true,
          bodyLimit: BODY_LIMIT,
          https: {
            cert: tls.cert,
            key: tls.key,
            ...(tls.clientCa !== undefined ? { ca: tls.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
          },
        })
      : Fastify({ logger: false, return503OnClosing: true, bodyLimit: BODY_LIMIT })
  ) as unknown as FastifyInstance

  // Bodies reach the route as text; the route parses them, so a bad body answers `False` too.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body))

  const send = (request: FastifyRequest, reply: FastifyReply, d: ProtectionDecision): FastifyReply => {
    if (d.status >= 500) {
      logger.error({ status: d.status, code: d.code, id: d.id, url: request.url, reason: d.reason }, `protection API answered False (${d.code})`)
    } else if (d.status >= 400) {
      logger.warn({ status: d.status, code: d.code, id: d.id, url: request.url, reason: d.reason }, `protection API answered False (${d.code})`)
    } else {
      logger.debug({ id: d.id, answer: d.answer, reason: d.reason }, 'protection API answered')
    }
    return reply.code(d.status).header('cache-control', 'no-store').type('text/plain; charset=utf-8').send(d.answer)
  }

  for (const kind of PROTECTED_KINDS) {
    const handler = async (request: FastifyRequest, reply: FastifyReply) =>
      send(
        request,
        reply,
        await decideProtection(
          {
            kind,
            query: request.query,
            contentType: request.headers['content-type'],
            body: typeof request.body === 'string' ? request.body : undefined,
          },
          deps.lookup,
        ),
      )
    app.post(`/v1/${kind}`, handler)
    app.get(`/v1/${kind}`, handler)
  }

  // Staffeln's health check: True when the store can be read.
  app.get('/v1/health', async (request, reply) => {
    try {
      await deps.lookup.isTracked('api-health-check')
      return send(request, reply, { status: 200, answer: 'True', reason: 'store readable' })
    } catch (err) {
      return send(request, reply, { status: 503, answer: 'False', code: 'STORE_UNAVAILABLE', reason: `the store cannot be read: ${toErrorInfo(err).message}` })
    }
  })

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? ''
    const known = PROTECTED_KINDS.some((k) => path === `/v1/${k}`)
    if (known) reply.header('allow', ALLOW)
    return send(request, reply, {
      status: known ? 405 : 404,
      answer: 'False',
      code: known ? 'API_METHOD_NOT_ALLOWED' : 'API_NOT_FOUND',
      reason: known ? `method ${request.method} is not allowed; allowed: ${ALLOW}` : `no route ${request.method} ${path}; served: /v1/backup?backup_id=, /v1/snapshot?snapshot_id=, /v1/health`,
    })
  })
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, request, reply) => {
    const client = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500
    return send(request, reply, {
      status: client ? err.statusCode! : 500,
      answer: 'False',
      code: client ? 'API_BAD_REQUEST' : 'INTERNAL',
      reason: `${err.code ?? err.name}: ${err.message}`,
    })
  })
  return app
}
