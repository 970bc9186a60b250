import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import type { Logger } from '../domain/logger.ts'
import { failurePayload } from './webhook-payload.ts'
import { sendWebhook } from './webhook.ts'

interface Received {
  readonly headers: IncomingMessage['headers']
  readonly body: string
}

/** A receiver on 127.0.0.1:0 that answers the given statuses in turn (the last one repeats). */
async function receiver(statuses: number[], extraHeaders: Record<string, string> = {}) {
  const received: Received[] = []
  const server: Server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (c: string) => (body += c))
    req.on('end', () => {
      received.push({ headers: req.headers, body })
      const status = statuses[Math.min(received.length - 1, statuses.length - 1)]!
      res.writeHead(status, extraHeaders).end(status < 300 ? 'ok' : 'no')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}/hooks/T0KEN-in-path`, received, close: () => new Promise<void>((r) => server.close(() => r())) }
}

function noSleep() {
  const waits: number[] = []
  return { waits, sleep: async (ms: number) => void waits.push(ms) }
}

function recordingLogger() {
  const out: string[] = []
  const logger: Logger = {
    debug: (o, m) => void out.push(JSON.stringify([o, m])),
    info: (o, m) => void out.push(JSON.stringify([o, m])),
    warn: (o, m) => void out.push(JSON.stringify([o, m])),
    error: (o, m) => void out.push(JSON.stringify([o, m])),
    child: () => logger,
  }
  return { logger, out }
}

const payload = failurePayload({
  runId: 'run-1',
  job: 'create',
  startedAt: new Date('2026-01-01T00:00:00Z'),
  finishedAt: new Date('2026-01-01T00:01:00Z'),
  counts: { succeeded: 4, failed: 1, skipped: 0 },
  failed: [{ action: 'create', volumeId: 'vol-1', projectId: 'proj-1', policy: 'daily', error: { code: 'OS_OVER_LIMIT', message: 'quota exceeded' } }],
})

test('a delivery is retried after 500s with backoff until the receiver accepts it', async (t) => {
  const r = await receiver([500, 503, 204])
  t.after(r.close)
  const { sleep, waits } = noSleep()
  const d = await sendWebhook({ url: r.url, payload, sleep, maxAttempts: 5, timeoutMs: 5000 })
  assert.deepEqual(d, { ok: true, attempts: 3, status: 204 })
  assert.equal(r.received.length, 3)
  assert.deepEqual(waits, [1000, 2000])
  assert.equal(new Set(r.received.map((x) => x.headers['x-snapwarden-delivery'])).size, 1, 'one delivery id for all attempts')
})

test('the body is the JSON payload and the signature header verifies with the secret', async (t) => {
  const r = await receiver([200])
  t.after(r.close)
  const secret = 's3cr3t-value'
  const d = await sendWebhook({ url: r.url, payload, secret, sleep: noSleep().sleep, maxAttempts: 1, timeoutMs: 5000 })
  assert.equal(d.ok, true)
  const got = r.received[0]!
  assert.equal(got.headers['content-type'], 'application/json')
  assert.deepEqual(JSON.parse(got.body), payload)
  const expected = 'sha256=' + createHmac('sha256', secret).update(got.body).digest('hex')
  assert.equal(got.headers['x-snapwarden-signature'], expected)
  assert.ok(!got.body.includes(secret))
})

test('without a secret no signature header is sent', async (t) => {
  const r = await receiver([200])
  t.after(r.close)
  await sendWebhook({ url: r.url, payload, sleep: noSleep().sleep, maxAttempts: 1, timeoutMs: 5000 })
  assert.equal(r.received[0]!.headers['x-snapwarden-signature'], undefined)
})

test('a 400 is not retried', async (t) => {
  const r = await receiver([400])
  t.after(r.close)
  const { sleep, waits } = noSleep()
  const d = await sendWebhook({ url: r.url, payload, sleep, maxAttempts: 5, timeoutMs: 5000 })
  assert.equal(d.ok, false)
  assert.equal(d.attempts, 1)
  assert.equal(d.status, 400)
  assert.equal(d.error?.code, 'NOTIFY_WEBHOOK_FAILED')
  assert.deepEqual(waits, [])
  assert.equal(r.received.length, 1)
})

test('a 429 is retried after the Retry-After the receiver asked for', async (t) => {
  const r = await receiver([429, 200], { 'retry-after': '7' })
  t.after(r.close)
  const { sleep, waits } = noSleep()
  const d = await sendWebhook({ url: r.url, payload, sleep, maxAttempts: 3, timeoutMs: 5000 })
  assert.equal(d.ok, true)
  assert.deepEqual(waits, [7000])
})

test('after the last attempt the failure names the origin only, never the secret or the URL path', async (t) => {
  const r = await receiver([502])
  t.after(r.close)
  const { logger, out } = recordingLogger()
  const secret = 'never-log-me'
  const d = await sendWebhook({ url: r.url, payload, secret, sleep: noSleep().sleep, maxAttempts: 3, timeoutMs: 5000, logger })
  assert.equal(d.ok, false)
  assert.equal(d.attempts, 3)
  assert.equal(r.received.length, 3)
  assert.match(d.error!.message, /^webhook to http:\/\/127\.0\.0\.1:\d+ answered HTTP 502; gave up after 3 attempts$/)
  const everything = JSON.stringify(d) + out.join('\n')
  assert.ok(!everything.includes(secret))
  assert.ok(!everything.includes('T0KEN'))
})

test('a network error is retried', async () => {
  const r = await receiver([200])
  await r.close()
  const { sleep, waits } = noSleep()
  const d = await sendWebhook({ url: r.url, payload, sleep, maxAttempts: 2, timeoutMs: 5000 })
  assert.equal(d.ok, false)
  assert.equal(d.attempts, 2)
  assert.deepEqual(waits, [1000])
  assert.match(d.error!.message, /network error/)
})

test('a URL that is not http(s) is refused without a request', async () => {
  const d = await sendWebhook({ url: 'file:///etc/passwd', payload, sleep: noSleep().sleep, maxAttempts: 3, timeoutMs: 5000 })
  assert.deepEqual(d, { ok: false, attempts: 0, error: { code: 'NOTIFY_WEBHOOK_FAILED', message: 'the webhook URL is not an http(s) URL' } })
})

test('the failure payload lists at most the given number of items and counts the rest', () => {
  const many = failurePayload(
    {
      runId: 'r',
      job: 'expire',
      startedAt: new Date('2026-01-01T00:00:00Z'),
      finishedAt: new Date('2026-01-01T00:00:01Z'),
      counts: { succeeded: 0, failed: 3, skipped: 0 },
      failed: ['a', 'b', 'c'].map((v) => ({ action: 'delete', volumeId: v, projectId: 'p', snapshotId: `s-${v}`, error: { code: 'OS_HTTP', message: 'x' } })),
    },
    2,
  )
  assert.deepEqual(many.failures.map((f) => f.snapshot_id), ['s-a', 's-b'])
  assert.equal(many.failures_omitted, 1)
  assert.deepEqual(payload.failures[0], {
    service: 'snapwarden',
    action: 'create',
    volume_id: 'vol-1',
    project_id: 'proj-1',
    policy: 'daily',
    code: 'OS_OVER_LIMIT',
    message: 'quota exceeded',
  })
})
