import { after, before } from 'node:test'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { HttpTransport } from '../core/request.ts'
import type { HttpRequest, HttpResponse, RequestSender } from '../core/request.ts'
import { ServiceClient } from '../core/service-client.ts'

/** One request the fake server received. */
export interface Recorded {
  readonly method: string
  /** Path and query, e.g. `/v3/p1/volumes/detail?all_tenants=1`. */
  readonly url: string
  readonly path: string
  readonly query: URLSearchParams
  readonly headers: IncomingMessage['headers']
  /** Parsed JSON body (undefined when empty). */
  readonly body: unknown
}

export interface Reply {
  readonly status?: number
  readonly body?: unknown
  readonly headers?: Record<string, string>
}

export type Handler = (req: Recorded) => Reply | undefined

/**
 * An HTTP server on 127.0.0.1:0 answering from handlers (gophercloud's testhelper.Mux). Routes
 * are `METHOD /path` (query ignored); unknown routes answer 404 with Cinder's itemNotFound body.
 */
export class FakeServer {
  readonly requests: Recorded[] = []
  readonly #routes = new Map<string, Handler>()
  readonly #server: Server
  #url = ''

  private constructor() {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        const u = new URL(req.url ?? '/', 'http://127.0.0.1')
        const rec: Recorded = {
          method: req.method ?? 'GET',
          url: req.url ?? '/',
          path: u.pathname,
          query: u.searchParams,
          headers: req.headers,
          body: text === '' ? undefined : JSON.parse(text),
        }
        this.requests.push(rec)
        const handler = this.#routes.get(`${rec.method} ${rec.path}`)
        const reply = handler?.(rec) ?? { status: 404, body: { itemNotFound: { code: 404, message: `no route ${rec.method} ${rec.path}` } } }
        const headers: Record<string, string> = { 'content-type': 'application/json', ...reply.headers }
        res.writeHead(reply.status ?? 200, headers)
        res.end(reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body))
      })
    })
  }

  static async start(): Promise<FakeServer> {
    const s = new FakeServer()
    await new Promise<void>((resolve) => s.#server.listen(0, '127.0.0.1', resolve))
    s.#url = `http://127.0.0.1:${(s.#server.address() as AddressInfo).port}`
    return s
  }

  /** `http://127.0.0.1:<port>` (no trailing slash). */
  get url(): string {
    return this.#url
  }

  /** Answers `METHOD path` with a fixed reply or a handler. */
  on(route: string, reply: Reply | Handler): this {
    this.#routes.set(route, typeof reply === 'function' ? reply : () => reply)
    return this
  }

  /** Requests to one route. */
  calls(route: string): Recorded[] {
    return this.requests.filter((r) => `${r.method} ${r.path}` === route)
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }
}

export const TEST_TOKEN = 'gAAAAAB-test-token'

/** A sender that adds a fixed token (no Keystone), for resource tests. */
export class StaticTokenSender implements RequestSender {
  readonly transport = new HttpTransport()
  constructor(readonly token: string = TEST_TOKEN) {}
  send(req: HttpRequest): Promise<HttpResponse> {
    return this.transport.send({ ...req, headers: { ...req.headers, 'x-auth-token': this.token } })
  }
}

/** A ServiceClient on the fake server at `path` with a fixed token and microversion. */
export function fakeServiceClient(
  server: FakeServer,
  path: string,
  opts: { serviceType: string; microversionName?: string; microversion?: string },
): { client: ServiceClient; close: () => Promise<void> } {
  const sender = new StaticTokenSender()
  const client = new ServiceClient(sender, `${server.url}${path}`, opts)
  return { client, close: () => sender.transport.close() }
}

/**
 * Registers node:test `before`/`after` hooks that start a FakeServer and a ServiceClient on `path`
 * and close both; read `server` and `client` inside tests (after `before` ran).
 */
export function useFakeService(
  path: string,
  opts: { serviceType: string; microversionName?: string; microversion?: string },
): { readonly server: FakeServer; readonly client: ServiceClient } {
  let server: FakeServer | undefined
  let made: { client: ServiceClient; close: () => Promise<void> } | undefined
  before(async () => {
    server = await FakeServer.start()
    made = fakeServiceClient(server, path, opts)
  })
  after(async () => {
    await made?.close()
    await server?.close()
  })
  return {
    get server() {
      if (!server) throw new Error('useFakeService: read server inside a test')
      return server
    },
    get client() {
      if (!made) throw new Error('useFakeService: read client inside a test')
      return made.client
    },
  }
}

/** Collects an async iterable (Node 20 has no Array.fromAsync). */
export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of it) out.push(x)
  return out
}
