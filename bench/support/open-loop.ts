/**
 * Open-loop (constant-rate) HTTP/1.1 load on raw keep-alive sockets, as wrk2 does it: requests are
 * due at a fixed total rate, spread over the connections (request s is due at start + s / rate and
 * goes on connection s mod connections, so each connection has its own steady schedule), and each
 * request's latency is measured from the time it was *due*, not from the time it went out. A request
 * that could not go out on time because its connection was still waiting for an earlier answer
 * counts that wait (the coordinated-omission correction: a closed loop would quietly send fewer
 * requests while the server stalls and report only the one slow answer). The generator's own
 * lateness (a request that was due on a free connection but went out late, because this process
 * was busy or asleep) counts too, and is reported on its own (`lag`), so a generator that falls
 * behind shows rather than hides.
 *
 * Every scheduled request is sent and answered; the run ends when the last one is answered, or at
 * the drain deadline (durationMs + drainMs after the start), when what is left counts as unsent or
 * unanswered, with latency at least deadline − due time. The achieved rate is answers per second
 * from the first due time to the last answer (never over less than durationMs): it reaches the
 * offered rate only when the server kept up.
 */
import type { Socket } from 'node:net'
import { AnswerCheck, connectReading, quantile, readBuffer, ResponseReader, type LoadRequest } from './http-load.ts'

/** The generator's time: `now()` in ms (performance.now() by default), and one-shot wake-ups. */
export interface LoadClock {
  now(): number
  /**
   * Calls `wake` once, at or after `at` (on now()'s scale; it may come early: the caller checks).
   * `inFlight()` counts the requests sent and not yet answered (a virtual clock in tests moves only
   * when none of them is on its way; the precise clock sleeps only when none is).
   */
  wakeAt(at: number, wake: () => void, inFlight: () => number): void
}

/**
 * performance.now() and Node timers. Their granularity is 1 ms (a timer comes 0.5 to 2 ms late), so
 * a request due while nothing is in flight goes out late by that much: use preciseClock() to measure.
 */
export const timerClock: LoadClock = {
  now: () => performance.now(),
  wakeAt: (at, wake) => {
    setTimeout(wake, Math.max(0, at - performance.now())).unref()
  },
}

/** An idle generator sleeps (blocking) for at most this long; a longer wait starts with a timer. */
export const IDLE_SLEEP_MAX_MS = 2

/**
 * With requests in flight, a request due within this long is waited for by a short blocking sleep
 * (after one turn of the event loop has read the answers that already came); one due later waits
 * for a timer (or for an answer, which wakes the generator sooner).
 */
export const IN_FLIGHT_SLEEP_MAX_MS = 0.3

/**
 * performance.now(), and wake-ups that come about 0.05–0.1 ms late instead of a timer's 1 ms.
 * - Idle (nothing in flight, so no answer will wake it): the main thread sleeps in Atomics.wait (a
 *   futex with a sub-millisecond timeout) for the last IDLE_SLEEP_MAX_MS before the wake-up, after
 *   a timer for what comes before. No answer waits for it; a socket error or the drain deadline
 *   waits at most that long.
 * - In flight, due within IN_FLIGHT_SLEEP_MAX_MS (at 15,000 req/s over 64 connections the next
 *   request is due within 0.07 ms nearly always): one turn of the event loop first (setImmediate:
 *   its poll reads what has arrived, without blocking), then the same blocking sleep. An answer that
 *   arrives during that sleep is read after it, at most that much later: it can only make a
 *   latency longer, never shorter (about +0.06 ms at p50 at 15,000 req/s). A timer alone, as
 *   before, sent a request due while others were in flight up to 1 ms late whenever no answer came
 *   first: about 1 ms of generator lateness at p99, counted in the API's latency.
 * - Further ahead, in flight: a timer (an answer usually wakes the generator sooner).
 * (A metronome thread posting a message per wake-up, as once here, cost about 9 µs of CPU per
 * request at 15,000 req/s: two threads woke for each.)
 */
export function preciseClock(): LoadClock {
  const cell = new Int32Array(new SharedArrayBuffer(4))
  // cell[0] stays 0 (nobody notifies): Atomics.wait only sleeps out its timeout.
  const sleepUntil = (at: number) => {
    const left = at - performance.now()
    if (left > 0) Atomics.wait(cell, 0, 0, left)
  }
  /** True while a wake-up after an idle sleep runs: what it arms goes to a timer (no nested sleeps). */
  let waking = false
  const wakeAt = (at: number, wake: () => void, inFlight: () => number): void => {
    const now = performance.now()
    if (inFlight() > 0) {
      if (at - now > IN_FLIGHT_SLEEP_MAX_MS) return timerClock.wakeAt(at, wake, inFlight)
      setImmediate(() => {
        sleepUntil(at)
        wake()
      })
      return
    }
    if (waking) return timerClock.wakeAt(at, wake, inFlight)
    if (at - now > IDLE_SLEEP_MAX_MS) {
      // Back in time for the precise part: a timer comes up to about 1.5 ms late.
      setTimeout(() => wakeAt(at, wake, inFlight), Math.max(0, at - now - IDLE_SLEEP_MAX_MS)).unref()
      return
    }
    // Nothing is in flight: blocking this thread until `at` delays no answer.
    sleepUntil(at)
    waking = true
    try {
      wake()
    } finally {
      waking = false
    }
  }
  return { now: () => performance.now(), wakeAt }
}

export interface OpenLoadOptions {
  readonly host: string
  readonly port: number
  readonly connections: number
  /** Total rate at which requests are due, per second. */
  readonly ratePerSecond: number
  /** How long requests are due and measured: ratePerSecond × durationMs / 1000 requests. */
  readonly durationMs: number
  /**
   * A run-in before the measured requests, at the same rate on the same connections (default 0):
   * its requests are sent and their answers checked (wrong, unanswered and unsent ones count as
   * faults) but they are not in the figures, which describe the steady rate, not its first moments.
   */
  readonly runInMs?: number
  /** How long after durationMs the run waits for the last answers (default: durationMs, at least 2 s). */
  readonly drainMs?: number
  /** Requests are taken round-robin from here (per connection, starting at different offsets). */
  readonly requests: readonly LoadRequest[]
  /** Default: preciseClock(). */
  readonly clock?: LoadClock
}

export interface OpenLoadResult {
  readonly offeredPerSecond: number
  /** Requests due in the measured part of the run (after the run-in). */
  readonly scheduled: number
  readonly answered: number
  /** Due but never sent before the drain deadline (their connection stayed busy); run-in included. */
  readonly unsent: number
  /** Sent but not answered before the drain deadline; run-in included. */
  readonly unanswered: number
  /** Run-in included. */
  readonly wrong: number
  /** Non-200 responses. */
  readonly errors: number
  readonly firstWrong?: string
  /** Answers per second from the first due time to the last answer (over at least durationMs). */
  readonly achievedPerSecond: number
  /** Latency from the due time (coordinated-omission corrected), ms; unsent and unanswered count as at least deadline − due. */
  readonly p50Ms: number
  readonly p90Ms: number
  readonly p99Ms: number
  readonly p999Ms: number
  readonly maxMs: number
  /** Latency from the actual send (what a closed loop would report), ms. */
  readonly serviceP50Ms: number
  readonly serviceP99Ms: number
  /** The generator's lateness: actual send − (due time, or when the connection became free if later), ms. */
  readonly lagP99Ms: number
  readonly lagMaxMs: number
  /** Requests whose connection was still busy with an earlier one when they were due. */
  readonly waitedForConnection: number
  readonly elapsedMs: number
  /** Per measured request (after the run-in), by sequence number: latency from the due time, and from the actual send (NaN: never sent). */
  readonly latencyBySeq: Float64Array
  readonly serviceBySeq: Float64Array
}

interface Conn {
  readonly socket: Socket
  readonly reader: ResponseReader
  /** The next request (sequence number) this connection sends. */
  nextSeq: number
  /** The request in flight, -1 when idle. */
  inFlight: number
  sentAt: number
  /** When the connection last became free (its last answer, or the start). */
  freeAt: number
  /** Index into the request list. */
  next: number
}

export async function runOpenLoad(o: OpenLoadOptions): Promise<OpenLoadResult> {
  if (!(o.ratePerSecond > 0) || !(o.durationMs > 0) || !(o.connections >= 1)) {
    throw new Error(`open-loop load: rate ${o.ratePerSecond}/s, duration ${o.durationMs} ms, ${o.connections} connections; accepted: all positive`)
  }
  return run(o, o.clock ?? preciseClock())
}

async function run(o: OpenLoadOptions, clock: LoadClock): Promise<OpenLoadResult> {
  const interval = 1000 / o.ratePerSecond
  const runIn = Math.floor((o.ratePerSecond * (o.runInMs ?? 0)) / 1000)
  const measured = Math.max(1, Math.floor((o.ratePerSecond * o.durationMs) / 1000))
  const scheduled = runIn + measured
  const latency = new Float64Array(scheduled).fill(Number.NaN)
  const service = new Float64Array(scheduled).fill(Number.NaN)
  const lag = new Float64Array(scheduled).fill(Number.NaN)
  const sentReq: (LoadRequest | undefined)[] = new Array<LoadRequest | undefined>(scheduled)
  const answers = new AnswerCheck()
  let answered = 0
  let inFlight = 0
  let waitedForConnection = 0
  let lastAnswer = 0
  let armed: number | undefined
  let armedIdle = false
  let finished = false
  let t0 = 0
  let deadline = 0

  let settle: (err?: Error) => void = () => {}
  const done = new Promise<void>((resolve, reject) => (settle = (err) => (err ? reject(err) : resolve())))

  const shared = readBuffer()
  const conns: Conn[] = await Promise.all(
    Array.from(
      { length: Math.min(o.connections, scheduled) },
      (_, index) =>
        new Promise<Conn>((resolve, reject) => {
          const reader = new ResponseReader((status, buf, bodyStart, bodyEnd) => onAnswer(conn, status, buf, bodyStart, bodyEnd))
          const socket = connectReading(o, shared, reader, (err) => fail(err))
          const conn: Conn = {
            socket,
            reader,
            nextSeq: index,
            inFlight: -1,
            sentAt: 0,
            freeAt: 0,
            next: (index * 7919) % o.requests.length,
          }
          socket.once('connect', () => resolve(conn))
          socket.on('error', (err) => (finished ? undefined : t0 === 0 ? reject(err) : fail(err)))
        }),
    ),
  )
  const inFlightNow = () => inFlight

  const fail = (err: Error) => {
    if (finished) return
    finish()
    settle(new Error(`open-loop load: a connection failed: ${err.message}`))
  }

  const finish = () => {
    finished = true
    for (const c of conns) c.socket.destroy()
  }

  const arm = (at: number) => {
    const idle = inFlight === 0
    // Re-armed when the generator fell idle since: a clock may wake an idle generator more precisely.
    if (armed !== undefined && armed <= at && (armedIdle || !idle)) return
    armed = at
    armedIdle = idle
    clock.wakeAt(
      at,
      () => {
        if (armed === at) armed = undefined
        pass()
      },
      inFlightNow,
    )
  }

  /** Sends what is due on every idle connection; arms a wake-up for the earliest one not yet due. */
  const pass = () => {
    if (finished) return
    const now = clock.now()
    let earliest = Number.POSITIVE_INFINITY
    for (const c of conns) {
      if (c.inFlight >= 0 || c.nextSeq >= scheduled) continue
      const due = t0 + c.nextSeq * interval
      if (due <= now) send(c, now, due)
      else if (due < earliest) earliest = due
    }
    if (earliest !== Number.POSITIVE_INFINITY) arm(earliest)
  }

  const send = (c: Conn, now: number, due: number) => {
    const seq = c.nextSeq
    c.nextSeq += conns.length
    c.inFlight = seq
    inFlight++
    if (c.freeAt > due && seq >= runIn) waitedForConnection++
    lag[seq] = now - Math.max(due, c.freeAt)
    c.sentAt = now
    const req = o.requests[c.next]!
    c.next = (c.next + 1) % o.requests.length
    sentReq[seq] = req
    c.socket.write(req.bytes)
  }

  const onAnswer = (c: Conn, status: number, buf: Buffer, bodyStart: number, bodyEnd: number) => {
    if (finished || c.inFlight < 0) return
    const now = clock.now()
    const seq = c.inFlight
    latency[seq] = now - (t0 + seq * interval)
    service[seq] = now - c.sentAt
    answers.check(sentReq[seq]!, status, buf, bodyStart, bodyEnd)
    c.inFlight = -1
    c.freeAt = now
    inFlight--
    answered++
    lastAnswer = now
    if (answered === scheduled) {
      finish()
      settle()
      return
    }
    pass()
  }

  t0 = clock.now()
  for (const c of conns) c.freeAt = t0
  deadline = t0 + (o.runInMs ?? 0) + o.durationMs + (o.drainMs ?? Math.max(2000, o.durationMs))
  const atDeadline = () => {
    if (finished) return
    if (clock.now() < deadline) return clock.wakeAt(deadline, atDeadline, inFlightNow)
    finish()
    settle()
  }
  clock.wakeAt(deadline, atDeadline, inFlightNow)
  pass()
  await done

  // What the deadline cut off: unanswered (sent) and unsent requests, latency at least deadline − due.
  let unsent = 0
  let unanswered = 0
  let answeredMeasured = 0
  for (let seq = 0; seq < scheduled; seq++) {
    if (!Number.isNaN(latency[seq]!)) {
      if (seq >= runIn) answeredMeasured++
      continue
    }
    latency[seq] = deadline - (t0 + seq * interval)
    if (sentReq[seq] === undefined) unsent++
    else unanswered++
  }
  const latencyMeasured = latency.subarray(runIn)
  const serviceMeasured = service.subarray(runIn)
  const sorted = latencyMeasured.slice().sort()
  const sortedService = serviceMeasured.filter((v) => !Number.isNaN(v)).sort()
  const sortedLag = lag.subarray(runIn).filter((v) => !Number.isNaN(v)).sort()
  const end = finished && answered === scheduled ? lastAnswer : deadline
  const measuredFrom = t0 + runIn * interval
  return {
    offeredPerSecond: o.ratePerSecond,
    scheduled: measured,
    answered: answeredMeasured,
    unsent,
    unanswered,
    wrong: answers.wrong,
    errors: answers.errors,
    ...(answers.firstWrong !== undefined ? { firstWrong: answers.firstWrong } : {}),
    achievedPerSecond: (answeredMeasured * 1000) / Math.max(o.durationMs, end - measuredFrom),
    p50Ms: quantile(sorted, 0.5),
    p90Ms: quantile(sorted, 0.9),
    p99Ms: quantile(sorted, 0.99),
    p999Ms: quantile(sorted, 0.999),
    maxMs: sorted[sorted.length - 1] ?? Number.NaN,
    serviceP50Ms: quantile(sortedService, 0.5),
    serviceP99Ms: quantile(sortedService, 0.99),
    lagP99Ms: quantile(sortedLag, 0.99),
    lagMaxMs: sortedLag[sortedLag.length - 1] ?? Number.NaN,
    waitedForConnection,
    elapsedMs: end - measuredFrom,
    latencyBySeq: latencyMeasured,
    serviceBySeq: serviceMeasured,
  }
}
