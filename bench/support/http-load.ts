/**
 * A small closed-loop HTTP/1.1 load generator on raw keep-alive sockets (loopback): `connections`
 * sockets, each sends one request, waits for the whole response, checks it, sends the next. It
 * measures at saturation: the highest rate the server answers, and the latency seen at that rate
 * (p50 is about connections / throughput). For latency at a given rate, see open-loop.ts.
 */
import { connect, type Socket } from 'node:net'

export interface LoadRequest {
  /** The whole request, bytes on the wire (keep-alive). */
  readonly bytes: Buffer
  /** The body the response must have. */
  readonly expect: string
}

export interface LoadOptions {
  readonly host: string
  readonly port: number
  readonly connections: number
  readonly durationMs: number
  /** Requests are taken round-robin from here (per connection, starting at different offsets). */
  readonly requests: readonly LoadRequest[]
}

export interface LoadResult {
  readonly requests: number
  readonly wrong: number
  /** Non-200 responses. */
  readonly errors: number
  readonly firstWrong?: string
  readonly elapsedMs: number
  readonly perSecond: number
  readonly p50Ms: number
  readonly p90Ms: number
  readonly p99Ms: number
  readonly maxMs: number
}

const HEADER_END = Buffer.from('\r\n\r\n')
/** `content-length:` in lower case (header names are case-insensitive). */
const CONTENT_LENGTH = Buffer.from('content-length:')
/** Most bytes a partial response may hold before the reader gives up (the API answers ~150 bytes). */
const MAX_RESPONSE = 64 * 1024

/** A response as the reader hands it over: its status and its body, bytes [bodyStart, bodyEnd) of `buf` (valid only during the call). */
export type OnResponse = (status: number, buf: Buffer, bodyStart: number, bodyEnd: number) => void

/**
 * Reads HTTP/1.1 responses (framed by content-length; no content-length: an empty body) from a
 * socket's chunks, in order: each complete response is handed to `onResponse` with its status and
 * where its body is, without copying or decoding it. A chunk may be a shared read buffer (net's
 * `onread`): the reader uses it only during feed() and copies what is left of a partial response.
 * A status line that is not `HTTP/1.x NNN`, a content-length that is not a number, or a partial
 * response beyond 64 KiB throws (the caller counts the connection as failed).
 */
export class ResponseReader {
  /** The start of a response not yet complete (owned copy), or undefined. */
  #carry: Buffer | undefined

  constructor(private readonly onResponse: OnResponse) {}

  feed(chunk: Buffer, start = 0, end = chunk.length): void {
    let buf = chunk
    let at = start
    let stop = end
    if (this.#carry !== undefined) {
      buf = Buffer.concat([this.#carry, chunk.subarray(start, end)])
      at = 0
      stop = buf.length
      this.#carry = undefined
    }
    while (at < stop) {
      const headEnd = buf.indexOf(HEADER_END, at)
      if (headEnd < 0 || headEnd >= stop) break
      const bodyStart = headEnd + 4
      const bodyEnd = bodyStart + contentLength(buf, at, headEnd)
      if (bodyEnd > stop) break
      this.onResponse(statusOf(buf, at), buf, bodyStart, bodyEnd)
      at = bodyEnd
    }
    if (at < stop) {
      if (stop - at > MAX_RESPONSE) throw new Error(`a response over ${MAX_RESPONSE} bytes (or without its header end)`)
      this.#carry = Buffer.from(buf.subarray(at, stop))
    }
  }
}

/** The status code of the response whose status line starts at `at` (`HTTP/1.1 200 OK`). */
function statusOf(buf: Buffer, at: number): number {
  const d0 = buf[at + 9]! - 48
  const d1 = buf[at + 10]! - 48
  const d2 = buf[at + 11]! - 48
  if (buf[at] !== 0x48 || buf[at + 8] !== 0x20 || !(d0 >= 1 && d0 <= 5 && d1 >= 0 && d1 <= 9 && d2 >= 0 && d2 <= 9)) {
    throw new Error(`not an HTTP status line: ${JSON.stringify(buf.toString('latin1', at, Math.min(at + 40, buf.length)))}`)
  }
  return d0 * 100 + d1 * 10 + d2
}

/** The content-length header's value in the head [at, headEnd) (a header line, any case), 0 without one. */
function contentLength(buf: Buffer, at: number, headEnd: number): number {
  const n = CONTENT_LENGTH.length
  for (let line = buf.indexOf(0x0a, at) + 1; line > 0 && line + n <= headEnd; line = buf.indexOf(0x0a, line) + 1) {
    let k = 0
    // Letters compare in either case (| 0x20); '-' and ':' are unchanged by it.
    while (k < n && (buf[line + k]! | 0x20) === CONTENT_LENGTH[k]) k++
    if (k < n) continue
    let i = line + n
    while (buf[i] === 0x20 || buf[i] === 0x09) i++
    let value = 0
    const first = i
    for (; i < headEnd && buf[i]! >= 0x30 && buf[i]! <= 0x39; i++) value = value * 10 + buf[i]! - 48
    if (i === first || (buf[i] !== 0x0d && buf[i] !== 0x20 && buf[i] !== 0x09)) {
      throw new Error(`content-length is not a number: ${JSON.stringify(buf.toString('latin1', line, Math.min(buf.indexOf(0x0d, line), line + 60)))}`)
    }
    return value
  }
  return 0
}

/** True when bytes [start, end) of buf are the ASCII text `text`. */
function bytesAre(buf: Buffer, start: number, end: number, text: string): boolean {
  if (end - start !== text.length) return false
  for (let i = 0; i < text.length; i++) if (buf[start + i] !== text.charCodeAt(i)) return false
  return true
}

/** Checks one answer: counts a wrong body or a non-200 status, and keeps the first for the report. */
export class AnswerCheck {
  wrong = 0
  errors = 0
  firstWrong: string | undefined

  check(req: LoadRequest, status: number, buf: Buffer, bodyStart: number, bodyEnd: number): void {
    if (status === 200 && bytesAre(buf, bodyStart, bodyEnd, req.expect)) return
    const body = buf.toString('utf8', bodyStart, bodyEnd)
    if (status === 200 && body === req.expect) return
    if (status !== 200) this.errors++
    this.wrong++
    this.firstWrong ??= `expected ${req.expect}, got ${status} ${body} for ${req.bytes.toString('latin1').split('\r\n')[0]}`
  }
}

/** The value at quantile p (0..1) of sorted values, NaN when there are none. */
export function quantile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN
}

/**
 * One read buffer for every connection (net's `onread`): a chunk is handled before the next read,
 * so nothing is allocated per read and no stream machinery runs per answer.
 */
export function readBuffer(): Buffer {
  return Buffer.allocUnsafe(64 * 1024)
}

/**
 * A keep-alive connection to `host:port` whose bytes go through `shared` (net's onread: no buffer
 * per read) to `reader`; a malformed answer is handed to `onError`.
 */
export function connectReading(o: { readonly host: string; readonly port: number }, shared: Buffer, reader: ResponseReader, onError: (err: Error) => void): Socket {
  return connect({
    host: o.host,
    port: o.port,
    noDelay: true,
    onread: {
      buffer: shared,
      callback: (nread) => {
        try {
          reader.feed(shared, 0, nread)
        } catch (err) {
          onError(err instanceof Error ? err : new Error(String(err)))
        }
        return true
      },
    },
  })
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  let latencies = new Float64Array(1 << 16)
  let count = 0
  const answers = new AnswerCheck()
  const started = performance.now()
  const deadline = started + o.durationMs
  const shared = readBuffer()
  const one = (index: number) =>
    new Promise<void>((resolve, reject) => {
      let next = (index * 7919) % o.requests.length
      let pending: LoadRequest | undefined
      let sentAt = 0
      const reader = new ResponseReader((status, buf, bodyStart, bodyEnd) => {
        if (count === latencies.length) {
          const grown = new Float64Array(2 * count)
          grown.set(latencies)
          latencies = grown
        }
        latencies[count++] = performance.now() - sentAt
        answers.check(pending!, status, buf, bodyStart, bodyEnd)
        send()
      })
      const socket: Socket = connectReading(o, shared, reader, (err) => {
        socket.destroy()
        reject(err)
      })
      const send = () => {
        if (performance.now() >= deadline) {
          socket.end()
          resolve()
          return
        }
        pending = o.requests[next]!
        next = (next + 1) % o.requests.length
        sentAt = performance.now()
        socket.write(pending.bytes)
      }
      socket.on('connect', send)
      socket.on('error', reject)
    })
  await Promise.all(Array.from({ length: o.connections }, (_, i) => one(i)))
  const elapsedMs = performance.now() - started
  const sorted = latencies.slice(0, count).sort()
  return {
    requests: count,
    wrong: answers.wrong,
    errors: answers.errors,
    ...(answers.firstWrong !== undefined ? { firstWrong: answers.firstWrong } : {}),
    elapsedMs,
    perSecond: count / (elapsedMs / 1000),
    p50Ms: quantile(sorted, 0.5),
    p90Ms: quantile(sorted, 0.9),
    p99Ms: quantile(sorted, 0.99),
    maxMs: sorted[sorted.length - 1] ?? Number.NaN,
  }
}
