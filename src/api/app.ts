import Fastify, { type FastifyInstance } from 'fastify'
import { toErrorInfo } from '../domain/errors.ts'
import { silentLogger, type Logger } from '../domain/logger.ts'
import { errorBody, makeErrorHandler } from './error-handler.ts'

/** What /healthz reports while the process runs. */
export interface HealthReport {
  readonly status: 'ok'
  readonly [detail: string]: unknown
}

/** What /readyz reports: ready, or the reasons why not (daemon/readiness.ts builds one). */
export interface ReadyReport {
  readonly ready: boolean
  readonly reasons: readonly string[]
  readonly [detail: string]: unknown
}

/** The metrics exposition (PromMetrics implements it). */
export interface MetricsExposition {
  readonly contentType: string
  render(): Promise<string>
}

export interface AppDeps {
  readonly health: () => HealthReport
  readonly ready: () => ReadyReport | Promise<ReadyReport>
  readonly metrics: MetricsExposition
  readonly logger?: Logger
}

/** The routes and the methods each answers (Fastify answers HEAD for every GET route). */
const ALLOWED: Readonly<Record<string, string>> = { '/healthz': 'GET, HEAD', '/readyz': 'GET, HEAD', '/metrics': 'GET, HEAD' }

/**
 * The daemon's HTTP surface: GET /healthz, /readyz and /metrics, read-only. There is deliberately
 * no control endpoint (no unauthenticated way to start, stop or change anything).
 */
export function buildApp(deps: AppDeps): FastifyInstance {
  const logger = deps.logger ?? silentLogger
  const app = Fastify({ logger: false, return503OnClosing: true })
  app.setErrorHandler(makeErrorHandler(logger))
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? ''
    const allow = ALLOWED[path]
    if (allow !== undefined) {
      // The resource exists; only this method is not served there (RFC 9110 §15.5.6).
      return reply
        .code(405)
        .header('allow', allow)
        .send(errorBody(405, 'API_METHOD_NOT_ALLOWED', `Method ${request.method} is not allowed on ${path}; allowed: ${allow}`))
    }
    return reply.code(404).send(errorBody(404, 'API_NOT_FOUND', `Route ${request.method} ${path} not found`))
  })
  app.addHook('onSend', async (_request, reply) => {
    reply.header('cache-control', 'no-store')
  })

  app.get('/healthz', async () => deps.health())

  app.get('/readyz', async (_request, reply) => {
    let report: ReadyReport
    try {
      report = await deps.ready()
    } catch (err) {
      const info = toErrorInfo(err)
      logger.warn({ err: info }, 'readiness check failed')
      report = { ready: false, reasons: [`the readiness check failed (${info.code})`] }
    }
    return reply.code(report.ready ? 200 : 503).send({ status: report.ready ? 'ready' : 'not_ready', ...report })
  })

  app.get('/metrics', async (_request, reply) => {
    const text = await deps.metrics.render()
    return reply.type(deps.metrics.contentType).send(text)
  })

  return app
}

export interface ListenOptions {
  /** Defaults to 127.0.0.1: the endpoints are unauthenticated, so exposing them is an explicit choice. */
  readonly host?: string
  readonly port: number
}

/** Starts listening; resolves the bound address (`http://127.0.0.1:9464`). */
export async function listen(app: FastifyInstance, opts: ListenOptions, logger: Logger = silentLogger): Promise<string> {
  const host = opts.host ?? '127.0.0.1'
  if (!isLoopback(host)) logger.warn({ host }, 'health and metrics endpoints listen beyond loopback')
  const address = await app.listen({ host, port: opts.port })
  logger.info({ address }, 'http server listening')
  return address
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host)
}
