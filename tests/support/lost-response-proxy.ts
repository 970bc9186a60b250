/**
 * A loopback reverse proxy in front of one real service (Keystone or Cinder of the devcloud) for
 * tests where an answer gets lost: a request chosen by `dropResponse` is forwarded, the service
 * answers it (the create happens), and then the client's connection is destroyed instead of
 * answering. Response bodies are rewritten (`rewrite`: origin → origin), so a Keystone proxy can
 * hand out a catalog whose Cinder endpoint is another proxy, and a Cinder proxy's version document
 * points back at itself. Listens on 127.0.0.1:0 and forwards only to a loopback upstream.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

export interface ProxiedCall {
  readonly method: string
  readonly path: string
  /** The upstream's status, or undefined when the upstream could not be reached. */
  readonly status?: number
  /** True when the upstream answered and the answer was thrown away. */
  readonly dropped: boolean
}

export class LostResponseProxy {
  readonly calls: ProxiedCall[] = []
  /** Origin pairs applied to every response body and Location header. */
  rewrite: [from: string, to: string][] = []
  /** Called for each request; true: forward it, then drop the answer. */
  dropResponse: (method: string, path: string) => boolean = () => false
  readonly #server: Server
  readonly #sockets = new Set<Socket>()
  #origin = ''

  private constructor(readonly upstream: URL) {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const method = req.method ?? 'GET'
        const path = req.url ?? '/'
        const drop = this.dropResponse(method, path)
        const headers: IncomingHttpHeaders = { ...req.headers, host: this.upstream.host, 'accept-encoding': 'identity' }
        const up = httpRequest({ host: this.upstream.hostname, port: this.upstream.port, method, path, headers }, (ures) => {
          const body: Buffer[] = []
          ures.on('data', (c: Buffer) => body.push(c))
          ures.on('end', () => {
            this.calls.push({ method, path, status: ures.statusCode, dropped: drop })
            if (drop) {
              req.socket.destroy()
              return
            }
            let text = Buffer.concat(body).toString('utf8')
            const out: Record<string, string | string[]> = {}
            for (const [k, v] of Object.entries(ures.headers)) if (v !== undefined && k !== 'content-length' && k !== 'transfer-encoding') out[k] = v
            for (const [from, to] of this.rewrite) {
              text = text.split(from).join(to)
              const loc = out['location']
              if (typeof loc === 'string') out['location'] = loc.split(from).join(to)
            }
            out['content-length'] = String(Buffer.byteLength(text))
            res.writeHead(ures.statusCode ?? 502, out)
            res.end(text)
          })
        })
        up.on('error', () => {
          this.calls.push({ method, path, dropped: false })
          if (!res.headersSent) res.writeHead(502).end()
        })
        up.end(Buffer.concat(chunks))
      })
    })
    this.#server.on('connection', (s: Socket) => {
      this.#sockets.add(s)
      s.on('close', () => this.#sockets.delete(s))
    })
  }

  /** Starts a proxy for `upstream` (e.g. `http://127.0.0.1:8776`), which must be a loopback address. */
  static async start(upstream: string): Promise<LostResponseProxy> {
    const u = new URL(upstream)
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)) throw new Error(`LostResponseProxy forwards to loopback only, not ${u.hostname}`)
    const p = new LostResponseProxy(u)
    await new Promise<void>((resolve, reject) => {
      p.#server.once('error', reject)
      p.#server.listen(0, '127.0.0.1', () => resolve())
    })
    p.#origin = `http://127.0.0.1:${(p.#server.address() as AddressInfo).port}`
    return p
  }

  /** `http://127.0.0.1:PORT` */
  get origin(): string {
    return this.#origin
  }

  /** The calls whose answers were dropped. */
  dropped(): ProxiedCall[] {
    return this.calls.filter((c) => c.dropped)
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }
}

/**
 * Drops the answer to the first `times` requests matching `method` and `pathRe`; later ones pass.
 * Returns the predicate for `dropResponse`.
 */
export function dropFirst(method: string, pathRe: RegExp, times = 1): (m: string, p: string) => boolean {
  let left = times
  return (m, p) => {
    if (left <= 0 || m !== method || !pathRe.test(p.split('?')[0] ?? '')) return false
    left -= 1
    return true
  }
}
