import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, test } from 'node:test'
import { AnswerCheck, ResponseReader, type LoadRequest } from './http-load.ts'
import { IDLE_SLEEP_MAX_MS, IN_FLIGHT_SLEEP_MAX_MS, preciseClock, runOpenLoad, type LoadClock } from './open-loop.ts'

/**
 * Virtual time for the generator and the test server: time moves only when no request is on its
 * way (every request in flight is held by the server), then it jumps to the earliest wake-up: the
 * generator's (its schedule) or the server's (a held answer). `lateBy` makes every wake-up of the
 * generator late, as a busy generator's would be.
 */
class StepClock implements LoadClock {
  t = 0
  /** Requests the server holds (answers later, at a virtual time). */
  held = 0
  #wakes: { at: number; wake: () => void }[] = []
  #inFlight: () => number = () => 0
  #driving = false

  constructor(private readonly lateBy = 0) {}

  now = (): number => this.t

  wakeAt = (at: number, wake: () => void, inFlight: () => number): void => {
    this.#inFlight = inFlight
    this.#add(at + this.lateBy, wake)
  }

  /** The server answers a request at virtual time `at` (held until then). */
  hold(at: number, answer: () => void): void {
    this.held++
    this.#add(at, () => {
      this.held--
      answer()
    })
  }

  #add(at: number, wake: () => void): void {
    this.#wakes.push({ at, wake })
    if (this.#driving) return
    this.#driving = true
    let spins = 0
    const step = () => {
      if (this.#wakes.length === 0) {
        this.#driving = false
        return
      }
      if (this.#inFlight() > this.held) {
        if (++spins > 1_000_000) throw new Error('StepClock: a request stayed on its way for a million turns')
        setImmediate(step)
        return
      }
      spins = 0
      this.#wakes.sort((a, b) => a.at - b.at)
      const w = this.#wakes.shift()!
      this.t = Math.max(this.t, w.at)
      w.wake()
      setImmediate(step)
    }
    setImmediate(step)
  }
}

let server: ReturnType<typeof createServer>
let port = 0
/** Decides when the server answers each request (its arrival number from 0): now (undefined) or at a virtual time. */
let answerAt: (n: number) => number | undefined = () => undefined
let clockOfTest: StepClock
let arrivals = 0

before(async () => {
  server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      const answer = () => {
        const tracked = !req.url?.includes('unknown')
        const failed = req.url?.includes('fail')
        const body = tracked ? 'False' : 'True'
        res.writeHead(failed ? 503 : 200, { 'content-type': 'text/plain', 'content-length': body.length })
        res.end(body)
      }
      const at = answerAt(arrivals++)
      if (at === undefined) answer()
      else clockOfTest.hold(at, answer)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
})

after(async () => {
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

function setUp(fn: typeof answerAt, lateBy = 0): StepClock {
  arrivals = 0
  answerAt = fn
  clockOfTest = new StepClock(lateBy)
  return clockOfTest
}

const request = (path: string, expect: string): LoadRequest => ({
  bytes: Buffer.from(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n`),
  expect,
})
const REQUESTS = [request('/v1/backup?backup_id=tracked-1', 'False'), request('/v1/backup?backup_id=unknown-1', 'True')]

const LOOPBACK = { host: '127.0.0.1' } as const

test('a server stall counts for every request due during it (coordinated omission corrected), not only for those it answered late', async () => {
  // 1000 requests/s over 4 connections for 50 ms: request s is due at s ms, on connection s mod 4.
  // The server stalls from 10 to 30 ms (a pause): what arrives then is answered at 30 ms.
  const clock = setUp(() => (clockOfTest.t >= 10 && clockOfTest.t < 30 ? 30 : undefined))
  const r = await runOpenLoad({ ...LOOPBACK, port, connections: 4, ratePerSecond: 1000, durationMs: 50, requests: REQUESTS, clock })
  assert.equal(r.scheduled, 50)
  assert.equal(r.answered, 50)
  assert.equal(r.wrong, 0)
  // Requests 10..29 were due during the stall and answered at 30 ms: 20..1 ms; the rest none.
  assert.deepEqual([...r.latencyBySeq], Array.from({ length: 50 }, (_, s) => (s >= 10 && s < 30 ? 30 - s : 0)))
  // From the actual send (a closed loop's view), only the four sent on time into the stall were slow:
  // 14..29 went out at 30 ms, once their connection was free.
  assert.deepEqual(
    [...r.serviceBySeq].map((v, s) => [s, v]).filter(([, v]) => v! > 0),
    [
      [10, 20],
      [11, 19],
      [12, 18],
      [13, 17],
    ],
  )
  assert.equal(r.waitedForConnection, 16)
  assert.equal(r.maxMs, 20)
  assert.equal(r.p90Ms, 16) // the 46th of 50 sorted: 30 zeros, then 1..20
  assert.equal(r.serviceP99Ms, 20)
  assert.equal(r.serviceP50Ms, 0)
  assert.equal(r.lagMaxMs, 0) // the generator sent everything as soon as it could
  assert.equal(r.achievedPerSecond, 1000)
})

test('a run-in goes first at the same rate on the same connections; its requests are checked but not in the figures', async () => {
  // 1000 requests/s over 4 connections: 5 ms of run-in (requests 0..4), then 20 measured (5..24).
  // Request 0 is answered 3 ms late: a run-in request, so no figure shows it.
  const clock = setUp((n) => (n === 0 ? 3 : undefined))
  const r = await runOpenLoad({ ...LOOPBACK, port, connections: 4, ratePerSecond: 1000, runInMs: 5, durationMs: 20, requests: REQUESTS, clock })
  assert.deepEqual([r.scheduled, r.answered, r.unsent, r.unanswered, r.wrong], [20, 20, 0, 0, 0])
  assert.deepEqual([...r.latencyBySeq], Array.from({ length: 20 }, () => 0))
  assert.deepEqual([r.maxMs, r.waitedForConnection, r.achievedPerSecond], [0, 0, 1000])
  // Without the run-in the same stall is measured.
  const cold = await runOpenLoad({ ...LOOPBACK, port, connections: 4, ratePerSecond: 1000, durationMs: 20, requests: REQUESTS, clock: setUp((n) => (n === 0 ? 3 : undefined)) })
  assert.equal(cold.maxMs, 3)
})

test('one slow answer delays the requests queued behind it on its connection, and they count the wait', async () => {
  // As above, but only request 10 (due at 10 ms, on connection 2) is answered late, at 30 ms.
  const clock = setUp((n) => (n === 10 ? 30 : undefined))
  const r = await runOpenLoad({ ...LOOPBACK, port, connections: 4, ratePerSecond: 1000, durationMs: 50, requests: REQUESTS, clock })
  // Connection 2's next requests (due at 14, 18, 22, 26 ms) went out one after another at 30 ms.
  const late: Record<number, number> = { 10: 20, 14: 16, 18: 12, 22: 8, 26: 4 }
  assert.deepEqual([...r.latencyBySeq], Array.from({ length: 50 }, (_, s) => late[s] ?? 0))
  assert.deepEqual(
    [...r.serviceBySeq].map((v, s) => [s, v]).filter(([, v]) => v! > 0),
    [[10, 20]],
  )
  assert.equal(r.waitedForConnection, 4)
  assert.equal(r.lagMaxMs, 0)
})

test('a server slower than the offered rate: the achieved rate falls short and the latency grows with the backlog', async () => {
  // One connection, 1000 requests/s for 20 ms, each answer takes 2 ms: the server does 500/s.
  const clock = setUp(() => clockOfTest.t + 2)
  const r = await runOpenLoad({ ...LOOPBACK, port, connections: 1, ratePerSecond: 1000, durationMs: 20, requests: REQUESTS, clock })
  assert.equal(r.answered, 20)
  assert.equal(r.achievedPerSecond, 500)
  // Request k is due at k ms, goes out when request k-1 is answered (2k ms) and is answered at 2k+2.
  assert.deepEqual([...r.latencyBySeq], Array.from({ length: 20 }, (_, k) => k + 2))
  assert.deepEqual([...r.serviceBySeq], Array.from({ length: 20 }, () => 2))
  assert.equal(r.waitedForConnection, 19)
  assert.equal(r.p50Ms, 12)
  assert.equal(r.elapsedMs, 40)
})

test('a generator that falls behind its schedule shows it: its lateness is in the latency and in lag', async () => {
  // Every wake-up of the generator comes 3 ms late (a busy generator); the server answers at once.
  const clock = setUp(() => undefined, 3)
  const r = await runOpenLoad({ ...LOOPBACK, port, connections: 1, ratePerSecond: 100, durationMs: 50, requests: REQUESTS, clock })
  assert.equal(r.answered, 5)
  // Request 0 goes out at the start; 1..4 are due at 10, 20, 30, 40 ms and go out 3 ms late.
  assert.deepEqual([...r.latencyBySeq], [0, 3, 3, 3, 3])
  assert.equal(r.lagMaxMs, 3)
  assert.equal(r.waitedForConnection, 0)
  assert.equal(r.p99Ms, 3)
})

test('what the drain deadline cuts off counts: unanswered and unsent requests, with latency at least deadline − due', async () => {
  // Request 1 (due at 1 ms) is answered only at 500 ms; the run's deadline is 5 + 20 = 25 ms.
  const clock = setUp((n) => (n === 1 ? 500 : undefined))
  const r = await runOpenLoad({ ...LOOPBACK, port, connections: 1, ratePerSecond: 1000, durationMs: 5, drainMs: 20, requests: REQUESTS, clock })
  assert.equal(r.scheduled, 5)
  assert.equal(r.answered, 1)
  assert.equal(r.unanswered, 1)
  assert.equal(r.unsent, 3)
  assert.deepEqual([...r.latencyBySeq], [0, 24, 23, 22, 21])
  assert.equal(r.achievedPerSecond, 40) // 1 answer in 25 ms
})

test('wrong answers and non-200 statuses are counted, with the first one named', async () => {
  const clock = setUp(() => undefined)
  const requests: LoadRequest[] = [
    request('/v1/backup?backup_id=unknown-2', 'True'),
    request('/v1/backup?backup_id=tracked-2', 'True'),
    request('/v1/backup?backup_id=unknown-fail', 'True'),
  ]
  const r = await runOpenLoad({ ...LOOPBACK, port, connections: 1, ratePerSecond: 1000, durationMs: 6, requests, clock })
  assert.equal(r.answered, 6)
  // Requests 1 and 4 ask for the tracked id (False, expected True); 2 and 5 get 503.
  assert.equal(r.wrong, 4)
  assert.equal(r.errors, 2)
  assert.match(r.firstWrong ?? '', /^expected True, got 200 False for POST \/v1\/backup\?backup_id=tracked-2 /)
})

test('the response reader splits responses at their content-length, across and within chunks', () => {
  const got: string[] = []
  const reader = new ResponseReader((status, buf, start, end) => got.push(`${status} ${buf.toString('utf8', start, end)}`))
  const one = 'HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nTrue'
  const two = 'HTTP/1.1 503 Service Unavailable\r\nContent-Length: 5\r\n\r\nFalse'
  reader.feed(Buffer.from(one + two.slice(0, 20)))
  assert.deepEqual(got, ['200 True'])
  reader.feed(Buffer.from(two.slice(20) + one))
  assert.deepEqual(got, ['200 True', '503 False', '200 True'])
})

test('the response reader keeps a partial response when the read buffer it came in is reused (net onread)', () => {
  const got: string[] = []
  const reader = new ResponseReader((status, buf, start, end) => got.push(`${status} ${buf.toString('utf8', start, end)}`))
  const shared = Buffer.alloc(64)
  const feed = (text: string) => {
    const n = shared.write(text, 0, 'latin1')
    reader.feed(shared, 0, n)
    shared.fill(0x58) // the next read overwrites the buffer
  }
  const one = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nCONTENT-LENGTH:\t5\r\n\r\nFalse'
  feed(one.slice(0, 30))
  feed(one.slice(30, 52))
  assert.deepEqual(got, [])
  feed(one.slice(52))
  assert.deepEqual(got, ['200 False'])
  // Without a content-length the body is empty.
  feed('HTTP/1.1 404 Not Found\r\nx-a: 1\r\n\r\n')
  assert.deepEqual(got, ['200 False', '404 '])
})

test('the response reader refuses what is not an HTTP response: a broken status line, a content-length that is not a number', () => {
  const reader = () => new ResponseReader(() => assert.fail('no response expected'))
  assert.throws(() => reader().feed(Buffer.from('HTTP/1.1 2x0 OK\r\ncontent-length: 4\r\n\r\nTrue')), /not an HTTP status line: "HTTP\/1.1 2x0 OK/)
  assert.throws(() => reader().feed(Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 4x\r\n\r\nTrue')), /content-length is not a number: "content-length: 4x"/)
  assert.throws(() => reader().feed(Buffer.from(`HTTP/1.1 200 OK\r\nx: ${'a'.repeat(70_000)}`)), /a response over 65536 bytes/)
})

test('the answer check compares the body bytes with the expected text, and names the first wrong answer as text', () => {
  const check = new AnswerCheck()
  const req: LoadRequest = { bytes: Buffer.from('POST /v1/backup?backup_id=b-1 HTTP/1.1\r\n\r\n'), expect: 'True' }
  const body = (text: string) => {
    const buf = Buffer.from(`xx${text}yy`)
    return [buf, 2, 2 + Buffer.byteLength(text)] as const
  }
  check.check(req, 200, ...body('True'))
  assert.equal(check.wrong, 0)
  check.check(req, 200, ...body('Tru'))
  check.check(req, 200, ...body('Trüe'))
  check.check(req, 503, ...body('True'))
  assert.equal(check.wrong, 3)
  assert.equal(check.errors, 1)
  assert.equal(check.firstWrong, 'expected True, got 200 Tru for POST /v1/backup?backup_id=b-1 HTTP/1.1')
})

test('the precise clock: an idle generator sleeps for the last stretch and wakes not before its time; with requests in flight it does not block', () => {
  const clock = preciseClock()
  // Idle, due within IDLE_SLEEP_MAX_MS: woken before wakeAt returns (this thread slept), not early.
  const at = clock.now() + 0.5
  let wokeAt: number | undefined
  clock.wakeAt(at, () => (wokeAt = clock.now()), () => 0)
  assert.ok(wokeAt !== undefined && wokeAt >= at, `woke at ${wokeAt}, due ${at}`)
  // In flight and due later than IN_FLIGHT_SLEEP_MAX_MS, or idle and due later than IDLE_SLEEP_MAX_MS: a timer (it calls later; this test ends before it does, unref'd).
  let woke = false
  clock.wakeAt(clock.now() + IN_FLIGHT_SLEEP_MAX_MS + 0.2, () => (woke = true), () => 1)
  clock.wakeAt(clock.now() + IDLE_SLEEP_MAX_MS + 50, () => (woke = true), () => 0)
  assert.equal(woke, false)
  // What a wake-up after a sleep arms goes to a timer: sleeps do not nest (however often a wake-up re-arms).
  let nested = 0
  clock.wakeAt(clock.now() + 0.2, () => clock.wakeAt(clock.now() + 0.2, () => nested++, () => 0), () => 0)
  assert.equal(nested, 0)
})

test('the precise clock, in flight: a request due within IN_FLIGHT_SLEEP_MAX_MS waits one turn of the event loop (answers are read), then sleeps to its time, not a timer', async () => {
  const clock = preciseClock()
  const at = clock.now() + IN_FLIGHT_SLEEP_MAX_MS / 2
  const order: string[] = []
  let wokeAt: number | undefined
  const woke = new Promise<void>((resolve) =>
    clock.wakeAt(
      at,
      () => {
        wokeAt = clock.now()
        order.push('wake')
        resolve()
      },
      () => 1,
    ),
  )
  // Not at once: the answers on their way are read first (the poll phase comes before the wake-up).
  assert.equal(order.length, 0)
  // An immediate queued after it runs after it: the wake-up is the clock's immediate, not a timer
  // (a timer comes after the immediates of this turn: 1 ms at the least).
  const after = new Promise<void>((resolve) => setImmediate(() => (order.push('after'), resolve())))
  await Promise.all([woke, after])
  assert.deepEqual(order, ['wake', 'after'])
  assert.ok(wokeAt !== undefined && wokeAt >= at, `woke at ${wokeAt}, due ${at}`)
})
