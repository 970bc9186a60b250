import assert from 'node:assert/strict'
import { connect, createServer, type AddressInfo, type Socket } from 'node:net'
import { test, type TestContext } from 'node:test'
import type { Answer } from './answer-bytes.ts'
import { Http1Connection, type Http1Limits, type Http1Request, type Http1Service } from './http1-connection.ts'

const LIMITS: Http1Limits = { maxHeadBytes: 16 * 1024, bodyLimit: 1024, declaredLimit: 4096, keepAliveMs: 60_000, requestTimeoutMs: 60_000 }

/**
 * A server whose service echoes what it read: the body's length (or `over:N`) for POST, the target
 * otherwise; a target with `slow` answers from a later turn (as a store lookup does).
 */
async function serve(t: TestContext, limits: Partial<Http1Limits> = {}) {
  const seen: Http1Request[] = []
  const refused: { status: number; reason: string }[] = []
  const service: Http1Service = {
    answer(req) {
      seen.push(req)
      const text = req.overLimit !== undefined ? `over:${req.overLimit}` : req.method === 'POST' ? `len:${req.body?.length ?? 0}` : req.target
      const a: Answer = { status: 200, body: text }
      return req.target.includes('slow') ? new Promise<Answer>((resolve) => setImmediate(() => resolve(a))) : a
    },
    refuse(status, reason) {
      refused.push({ status, reason })
      return { status, body: 'False' }
    },
  }
  const state = { closing: false }
  const all = { ...LIMITS, ...limits }
  const conns: Http1Connection[] = []
  const server = createServer({ allowHalfOpen: true }, (s) => void conns.push(new Http1Connection(s, service, all, state)))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const sweep = setInterval(() => conns.forEach((c) => c.checkDeadline(Date.now())), 20)
  t.after(() => {
    clearInterval(sweep)
    server.close()
  })
  return { port: (server.address() as AddressInfo).port, seen, refused }
}

/** A raw client: what it received, and a promise for the connection's end. */
function client(t: TestContext, port: number) {
  const socket: Socket = connect(port, '127.0.0.1')
  t.after(() => socket.destroy())
  const got = { text: '' }
  socket.setEncoding('latin1').on('data', (d: string) => (got.text += d))
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()))
  const answers = (n: number) =>
    new Promise<string[]>((resolve, reject) => {
      const check = () => {
        const found = parseAnswers(got.text)
        if (found.length >= n) {
          socket.off('data', check)
          resolve(found)
        }
      }
      socket.on('data', check)
      socket.once('close', () => (parseAnswers(got.text).length >= n ? resolve(parseAnswers(got.text)) : reject(new Error(`closed after: ${got.text}`))))
      check()
    })
  return { socket, got, closed, answers }
}

/** Each complete answer as `STATUS body`. */
function parseAnswers(text: string): string[] {
  const out: string[] = []
  let at = 0
  for (;;) {
    const end = text.indexOf('\r\n\r\n', at)
    if (end < 0) return out
    const head = text.slice(at, end)
    const status = /^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]
    if (status === '100') {
      out.push('100')
      at = end + 4
      continue
    }
    const length = Number(/\r\ncontent-length: (\d+)/.exec(head)?.[1] ?? 0)
    if (text.length < end + 4 + length) return out
    out.push(`${status} ${text.slice(end + 4, end + 4 + length)}`)
    at = end + 4 + length
  }
}

const post = (target: string, body: string, extra = '') =>
  `POST ${target} HTTP/1.1\r\nHost: x\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`

test('pipelined requests are answered in order, one at a time, on one connection', { timeout: 10_000 }, async (t) => {
  const { port } = await serve(t)
  const c = client(t, port)
  c.socket.write(`${post('/slow-1', 'abc')}GET /fast-2 HTTP/1.1\r\nHost: x\r\n\r\n${post('/slow-3', 'hello')}GET /fast-4 HTTP/1.1\r\n\r\n`)
  assert.deepEqual(await c.answers(4), ['200 len:3', '200 /fast-2', '200 len:5', '200 /fast-4'])
  assert.match(c.got.text, /\r\nconnection: keep-alive\r\nkeep-alive: timeout=60\r\n/)
})

test('a request sent one byte at a time is read whole', { timeout: 10_000 }, async (t) => {
  const { port, seen } = await serve(t)
  const c = client(t, port)
  const wire = `\r\n${post('/slow?x=1', 'form=%7B%7D', 'Content-Type: application/x-www-form-urlencoded\r\n')}`
  for (const ch of wire) c.socket.write(ch)
  assert.deepEqual(await c.answers(1), ['200 len:11'])
  assert.deepEqual(seen[0], { method: 'POST', target: '/slow?x=1', contentType: 'application/x-www-form-urlencoded', body: 'form=%7B%7D' })
})

test('a chunked body is read, and the request after it too', { timeout: 10_000 }, async (t) => {
  const { port, seen } = await serve(t)
  const c = client(t, port)
  c.socket.write('POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\nGET /b HTTP/1.1\r\n\r\n')
  assert.deepEqual(await c.answers(2), ['200 len:5', '200 /b'])
  assert.equal(seen[0]?.body, 'abcde')
})

test('a body over the limit is read and dropped (the connection goes on); one declared past the refusal limit closes it unread', { timeout: 10_000 }, async (t) => {
  const { port } = await serve(t)
  const c = client(t, port)
  c.socket.write(post('/a', 'x'.repeat(2000)) + 'GET /next HTTP/1.1\r\n\r\n')
  assert.deepEqual(await c.answers(2), ['200 over:2000', '200 /next'])
  const chunked = client(t, port)
  chunked.socket.write(`POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n${'400\r\n' + 'y'.repeat(1024) + '\r\n'}${'400\r\n' + 'y'.repeat(1024) + '\r\n'}0\r\n\r\n`)
  assert.deepEqual(await chunked.answers(1), ['200 over:2048'])
  const huge = client(t, port)
  huge.socket.write('POST /a HTTP/1.1\r\nContent-Length: 1000000\r\n\r\n')
  await huge.closed
  assert.deepEqual(parseAnswers(huge.got.text), ['200 over:1000000'])
  assert.match(huge.got.text, /\r\nconnection: close\r\n/)
})

test('Expect: 100-continue gets its interim answer before the body is sent', { timeout: 10_000 }, async (t) => {
  const { port } = await serve(t)
  const c = client(t, port)
  c.socket.write('POST /a HTTP/1.1\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n')
  assert.deepEqual(await c.answers(1), ['100'])
  c.socket.write('body')
  assert.deepEqual(await c.answers(2), ['100', '200 len:4'])
})

test('HTTP/1.0 and Connection: close end the connection after the answer; HTTP/1.0 keep-alive does not', { timeout: 10_000 }, async (t) => {
  const { port } = await serve(t)
  for (const wire of ['GET /a HTTP/1.0\r\n\r\n', 'GET /a HTTP/1.1\r\nConnection: close\r\n\r\nGET /never HTTP/1.1\r\n\r\n']) {
    const c = client(t, port)
    c.socket.write(wire)
    await c.closed
    assert.deepEqual(parseAnswers(c.got.text), ['200 /a'], wire)
    assert.match(c.got.text, /\r\nconnection: close\r\n/)
  }
  const kept = client(t, port)
  kept.socket.write('GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n')
  assert.deepEqual(await kept.answers(2), ['200 /a', '200 /b'])
})

test('a client that ends its side after its request still reads the answer', { timeout: 10_000 }, async (t) => {
  const { port } = await serve(t)
  const c = client(t, port)
  c.socket.end('GET /slow-half-close HTTP/1.1\r\n\r\n')
  await c.closed
  assert.deepEqual(parseAnswers(c.got.text), ['200 /slow-half-close'])
  // Answered at once, and two pipelined (the second from a later turn): all sent before the close.
  const both = client(t, port)
  both.socket.end('GET /fast HTTP/1.1\r\n\r\nGET /slow-second HTTP/1.1\r\n\r\n')
  await both.closed
  assert.deepEqual(parseAnswers(both.got.text), ['200 /fast', '200 /slow-second'])
})

test('bytes that are not a request are refused and the connection closed; nothing after them is read', { timeout: 10_000 }, async (t) => {
  const { port, refused, seen } = await serve(t)
  const cases: [string, number][] = [
    ['GET /a HTTP/1.1\r\nBad Header Line\r\n\r\nGET /b HTTP/1.1\r\n\r\n', 400],
    ['POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 400],
    [`GET /a HTTP/1.1\r\nX-Big: ${'a'.repeat(17_000)}\r\n\r\n`, 431],
    [`GET /${'a'.repeat(17_000)}`, 431],
  ]
  for (const [wire, status] of cases) {
    const c = client(t, port)
    c.socket.write(wire)
    await c.closed
    assert.deepEqual(parseAnswers(c.got.text), [`${status} False`], wire.slice(0, 40))
    assert.match(c.got.text, /\r\nconnection: close\r\n/)
  }
  assert.deepEqual(refused.map((r) => r.status), [400, 400, 431, 431])
  assert.match(refused[1]!.reason, /chunk size is not hexadecimal/)
  assert.equal(seen.length, 0)
})

test('a request not read whole in time is answered 408 and closed; an idle keep-alive connection is closed quietly', { timeout: 10_000 }, async (t) => {
  const slow = await serve(t, { requestTimeoutMs: 60 })
  const c = client(t, slow.port)
  c.socket.write('POST /a HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc')
  await c.closed
  assert.deepEqual(parseAnswers(c.got.text), ['408 False'])
  const idle = await serve(t, { keepAliveMs: 50 })
  const k = client(t, idle.port)
  k.socket.write('GET /a HTTP/1.1\r\n\r\n')
  assert.deepEqual(await k.answers(1), ['200 /a'])
  await k.closed
  assert.deepEqual(parseAnswers(k.got.text), ['200 /a'])
  assert.equal(idle.refused.length, 0)
})
