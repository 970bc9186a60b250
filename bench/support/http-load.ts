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

/**
 * Reads HTTP/1.1 responses (with content-length) from a socket's chunks, in order: each complete
 * response is handed to `onResponse` with its status and body.
 */
export class ResponseReader {
  #buf: Buffer = Buffer.alloc(0)

  constructor(private readonly onResponse: (status: number, body: string) => void) {}

  feed(chunk: Buffer): void {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk])
    for (;;) {
      const end = this.#buf.indexOf(HEADER_END)
      if (end < 0) return
      const head = this.#buf.subarray(0, end).toString('latin1')
      const m = /\r\ncontent-length:\s*(\d+)/i.exec(head)
      const length = m ? Number(m[1]) : 0
      if (this.#buf.length < end + 4 + length) return
      const body = this.#buf.subarray(end + 4, end + 4 + length).toString('utf8')
      this.#buf = this.#buf.subarray(end + 4 + length)
      this.onResponse(Number(head.slice(9, 12)), body)
    }
  }
}

/** Checks one answer: counts a wrong body or a non-200 status, and keeps the first for the report. */
export class AnswerCheck {
  wrong = 0
  errors = 0
  firstWrong: string | undefined

  check(req: LoadRequest, status: number, body: string): void {
    if (status !== 200) this.errors++
    if (body !== req.expect || status !== 200) {
      this.wrong++
      this.firstWrong ??= `expected ${req.expect}, got ${status} ${body} for ${req.bytes.toString('latin1').split('\r\n')[0]}`
    }
  }
}

/** The value at quantile p (0..1) of sorted values, NaN when there are none. */
export function quantile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = []
  const answers = new AnswerCheck()
  const started = performance.now()
  const deadline = started + o.durationMs
  const one = (index: number) =>
    new Promise<void>((resolve, reject) => {
      const socket: Socket = connect({ host: o.host, port: o.port, noDelay: true })
      let next = (index * 7919) % o.requests.length
      let pending: LoadRequest | undefined
      let sentAt = 0
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
      const reader = new ResponseReader((status, body) => {
        latencies.push(performance.now() - sentAt)
        answers.check(pending!, status, body)
        send()
      })
      socket.on('connect', send)
      socket.on('error', reject)
      socket.on('data', (chunk: Buffer) => reader.feed(chunk))
    })
  await Promise.all(Array.from({ length: o.connections }, (_, i) => one(i)))
  const elapsedMs = performance.now() - started
  const sorted = Float64Array.from(latencies).sort()
  return {
    requests: latencies.length,
    wrong: answers.wrong,
    errors: answers.errors,
    ...(answers.firstWrong !== undefined ? { firstWrong: answers.firstWrong } : {}),
    elapsedMs,
    perSecond: latencies.length / (elapsedMs / 1000),
    p50Ms: quantile(sorted, 0.5),
    p90Ms: quantile(sorted, 0.9),
    p99Ms: quantile(sorted, 0.99),
    maxMs: sorted[sorted.length - 1] ?? Number.NaN,
  }
}
