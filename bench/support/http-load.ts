/**
 * A small closed-loop HTTP/1.1 load generator on raw keep-alive sockets (loopback): `connections`
 * sockets, each sends one request, waits for the whole response, checks it, sends the next. Cheap
 * enough per request that on 2 cores the server, not the generator, is what is measured.
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

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = []
  let wrong = 0
  let errors = 0
  let firstWrong: string | undefined
  const started = performance.now()
  const deadline = started + o.durationMs
  const one = (index: number) =>
    new Promise<void>((resolve, reject) => {
      const socket: Socket = connect({ host: o.host, port: o.port, noDelay: true })
      let next = (index * 7919) % o.requests.length
      let pending: LoadRequest | undefined
      let sentAt = 0
      let buf: Buffer = Buffer.alloc(0)
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
      socket.on('data', (chunk: Buffer) => {
        buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk])
        const end = buf.indexOf(HEADER_END)
        if (end < 0) return
        const head = buf.subarray(0, end).toString('latin1')
        const m = /\r\ncontent-length:\s*(\d+)/i.exec(head)
        const length = m ? Number(m[1]) : 0
        if (buf.length < end + 4 + length) return
        const body = buf.subarray(end + 4, end + 4 + length).toString('utf8')
        buf = buf.subarray(end + 4 + length)
        latencies.push(performance.now() - sentAt)
        const status = Number(head.slice(9, 12))
        if (status !== 200) errors++
        if (body !== pending!.expect || status !== 200) {
          wrong++
          firstWrong ??= `expected ${pending!.expect}, got ${status} ${body} for ${pending!.bytes.toString('latin1').split('\r\n')[0]}`
        }
        send()
      })
    })
  await Promise.all(Array.from({ length: o.connections }, (_, i) => one(i)))
  const elapsedMs = performance.now() - started
  const sorted = Float64Array.from(latencies).sort()
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN
  return {
    requests: latencies.length,
    wrong,
    errors,
    ...(firstWrong !== undefined ? { firstWrong } : {}),
    elapsedMs,
    perSecond: latencies.length / (elapsedMs / 1000),
    p50Ms: q(0.5),
    p90Ms: q(0.9),
    p99Ms: q(0.99),
    maxMs: sorted[sorted.length - 1] ?? Number.NaN,
  }
}
