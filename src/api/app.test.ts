import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Logger } from '../domain/logger.ts'
import { UserError } from '../domain/errors.ts'
import { buildApp, listen, type AppDeps, type ReadyReport } from './app.ts'

function recordingLogger() {
  const lines: { level: string; obj: Record<string, unknown>; msg?: string }[] = []
  const logger: Logger = {
    debug: (obj, msg) => void lines.push({ level: 'debug', obj, msg }),
    info: (obj, msg) => void lines.push({ level: 'info', obj, msg }),
    warn: (obj, msg) => void lines.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => void lines.push({ level: 'error', obj, msg }),
    child: () => logger,
  }
  return { logger, lines }
}

function deps(over: Partial<AppDeps> = {}): AppDeps {
  return {
    health: () => ({ status: 'ok' }),
    ready: () => ({ ready: true, reasons: [] }),
    metrics: { contentType: 'text/plain; version=0.0.4; charset=utf-8', render: async () => 'snapwarden_up 1\n' },
    ...over,
  }
}

test('GET /healthz answers 200 with status ok', async (t) => {
  const app = buildApp(deps())
  t.after(() => app.close())
  const res = await app.inject({ method: 'GET', url: '/healthz' })
  assert.equal(res.statusCode, 200)
  assert.deepEqual(res.json(), { status: 'ok' })
})

test('GET /readyz answers 200 when ready and 503 with the reasons when not', async (t) => {
  let report: ReadyReport = { ready: true, reasons: [] }
  const app = buildApp(deps({ ready: async () => report }))
  t.after(() => app.close())
  const ok = await app.inject({ method: 'GET', url: '/readyz' })
  assert.equal(ok.statusCode, 200)
  assert.equal(ok.json().status, 'ready')
  report = { ready: false, reasons: ['job create failed 3 times in a row'] }
  const notOk = await app.inject({ method: 'GET', url: '/readyz' })
  assert.equal(notOk.statusCode, 503)
  assert.deepEqual(notOk.json(), { status: 'not_ready', ready: false, reasons: ['job create failed 3 times in a row'] })
})

test('a readiness check that throws makes /readyz answer 503 instead of 500', async (t) => {
  const app = buildApp(deps({ ready: () => Promise.reject(Object.assign(new Error('store gone'), { code: 'STORE_UNAVAILABLE' })) }))
  t.after(() => app.close())
  const res = await app.inject({ method: 'GET', url: '/readyz' })
  assert.equal(res.statusCode, 503)
  assert.deepEqual(res.json().reasons, ['the readiness check failed (STORE_UNAVAILABLE)'])
})

test('GET /metrics answers the rendered metrics with their content type', async (t) => {
  const app = buildApp(deps())
  t.after(() => app.close())
  const res = await app.inject({ method: 'GET', url: '/metrics' })
  assert.equal(res.statusCode, 200)
  assert.equal(res.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8')
  assert.equal(res.body, 'snapwarden_up 1\n')
})

test('unknown routes answer a 404 JSON body', async (t) => {
  const app = buildApp(deps())
  t.after(() => app.close())
  for (const [method, url] of [
    ['GET', '/nope'],
    ['POST', '/jobs/create/run'],
    ['GET', '/healthz/extra'],
  ] as const) {
    const res = await app.inject({ method, url })
    assert.equal(res.statusCode, 404, `${method} ${url}`)
    assert.deepEqual(res.json(), {
      error: 'Not Found',
      code: 'API_NOT_FOUND',
      message: `Route ${method} ${url} not found`,
      statusCode: 404,
    })
  }
})

test('another method on an existing route is 405 with an Allow header: there is no control endpoint', async (t) => {
  const app = buildApp(deps())
  t.after(() => app.close())
  for (const [method, url] of [
    ['POST', '/healthz'],
    ['DELETE', '/metrics'],
    ['PUT', '/readyz'],
    ['PATCH', '/readyz?verbose=1'],
  ] as const) {
    const res = await app.inject({ method, url })
    const path = url.split('?')[0]
    assert.equal(res.statusCode, 405, `${method} ${url}`)
    assert.equal(res.headers.allow, 'GET, HEAD', `${method} ${url}`)
    assert.deepEqual(res.json(), {
      error: 'Method Not Allowed',
      code: 'API_METHOD_NOT_ALLOWED',
      message: `Method ${method} is not allowed on ${path}; allowed: GET, HEAD`,
      statusCode: 405,
    })
  }
  for (const method of ['GET', 'HEAD'] as const) {
    assert.equal((await app.inject({ method, url: '/healthz' })).statusCode, 200, method)
  }
})

test('an unknown error becomes a logged 500 with a generic message', async (t) => {
  const { logger, lines } = recordingLogger()
  const app = buildApp(deps({ logger, metrics: { contentType: 'text/plain', render: () => Promise.reject(new Error('registry exploded at /etc/x')) } }))
  t.after(() => app.close())
  const res = await app.inject({ method: 'GET', url: '/metrics' })
  assert.equal(res.statusCode, 500)
  assert.deepEqual(res.json(), { error: 'Internal Server Error', code: 'INTERNAL', message: 'Internal Server Error', statusCode: 500 })
  assert.equal(lines.filter((l) => l.level === 'error').length, 1)
  assert.match(JSON.stringify(lines[0]?.obj), /registry exploded/)
})

test('an AppError with a mapped code answers its status, code and message', async (t) => {
  const app = buildApp(deps({ health: () => { throw new UserError('bad query', 'API_BAD_REQUEST') } }))
  t.after(() => app.close())
  const res = await app.inject({ method: 'GET', url: '/healthz' })
  assert.equal(res.statusCode, 400)
  assert.deepEqual(res.json(), { error: 'Bad Request', code: 'API_BAD_REQUEST', message: 'bad query', statusCode: 400 })
})

test('listen binds to 127.0.0.1 by default', async (t) => {
  const app = buildApp(deps())
  t.after(() => app.close())
  const address = await listen(app, { port: 0 })
  assert.match(address, /^http:\/\/127\.0\.0\.1:\d+$/)
  const res = await fetch(`${address}/healthz`)
  assert.equal(res.status, 200)
})
