import { createServer, request as httpRequest, type Server } from 'node:http'
import { connect as netConnect, type AddressInfo, type Socket } from 'node:net'

/** One request the proxy saw: an absolute-URI forward (`GET http://…/path`) or a `CONNECT host:port`. */
export interface ProxiedRequest {
  readonly method: string
  readonly target: string
  readonly proxyAuthorization?: string | undefined
}

export interface LoopbackProxyOptions {
  /** Answer CONNECT with this status instead of tunnelling (e.g. 403). */
  readonly refuseConnect?: number
}

/**
 * A forward and CONNECT proxy on 127.0.0.1:0 that records every request it is asked to carry, for
 * tests of HTTP_PROXY/HTTPS_PROXY/NO_PROXY. Forwards only to loopback targets.
 */
export class LoopbackProxy {
  readonly requests: ProxiedRequest[] = []
  readonly #server: Server
  readonly #sockets = new Set<Socket>()
  #url = ''

  private constructor(opts: LoopbackProxyOptions) {
    this.#server = createServer((req, res) => {
      const target = req.url ?? ''
      this.requests.push({ method: req.method ?? '', target, proxyAuthorization: req.headers['proxy-authorization'] })
      let url: URL
      try {
        url = new URL(target)
      } catch {
        res.writeHead(400).end('not an absolute URI')
        return
      }
      if (!isLoopback(url.hostname)) {
        res.writeHead(403).end('loopback targets only')
        return
      }
      const headers = { ...req.headers }
      delete headers['proxy-authorization']
      delete headers['proxy-connection']
      const upstream = httpRequest({ host: url.hostname, port: url.port, method: req.method, path: `${url.pathname}${url.search}`, headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers)
        up.pipe(res)
      })
      upstream.on('error', () => res.writeHead(502).end())
      req.pipe(upstream)
    })
    this.#server.on('connect', (req, client: Socket) => {
      const target = req.url ?? ''
      this.requests.push({ method: 'CONNECT', target, proxyAuthorization: req.headers['proxy-authorization'] })
      this.#sockets.add(client)
      client.on('close', () => this.#sockets.delete(client))
      client.on('error', () => client.destroy())
      const [host = '', port = ''] = target.split(/:(?=\d+$)/)
      if (opts.refuseConnect !== undefined || !isLoopback(host.replace(/^\[|\]$/g, ''))) {
        client.end(`HTTP/1.1 ${opts.refuseConnect ?? 403} Refused\r\ncontent-length: 0\r\n\r\n`)
        return
      }
      const upstream = netConnect(Number(port), host.replace(/^\[|\]$/g, ''), () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
        upstream.pipe(client)
        client.pipe(upstream)
      })
      upstream.on('error', () => client.destroy())
    })
    this.#server.on('connection', (s: Socket) => {
      this.#sockets.add(s)
      s.on('close', () => this.#sockets.delete(s))
    })
  }

  static async start(opts: LoopbackProxyOptions = {}): Promise<LoopbackProxy> {
    const p = new LoopbackProxy(opts)
    await new Promise<void>((resolve) => p.#server.listen(0, '127.0.0.1', resolve))
    p.#url = `http://127.0.0.1:${(p.#server.address() as AddressInfo).port}`
    return p
  }

  /** `http://127.0.0.1:<port>` */
  get url(): string {
    return this.#url
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy()
    this.#server.closeAllConnections()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host)
}
