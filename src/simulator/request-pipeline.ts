import type { IncomingMessage, ServerResponse } from 'node:http'
import { randomUUID } from 'node:crypto'
import { cinderRootRoutes, cinderMiscRoutes, CINDER_MAX } from './cinder-misc-routes.ts'
import { backupRoutes } from './cinder-backup-routes.ts'
import { snapshotRoutes } from './cinder-snapshot-routes.ts'
import { volumeRoutes } from './cinder-volume-routes.ts'
import { keystoneRoutes } from './keystone-routes.ts'
import { NOVA_MAX, novaRoutes } from './nova-routes.ts'
import type { SimFaults } from './sim-faults.ts'
import { errorBody, Router, SimHttpError, UNAUTHORIZED_MESSAGE, type Microversion, type Reply, type Route, type ServiceName, type SimContext } from './sim-http.ts'
import type { SimState } from './sim-state.ts'

export interface PipelineDeps {
  readonly state: SimState
  readonly faults: SimFaults
  readonly origin: () => string
  readonly pageSize: () => number
  readonly latencyMs: () => number
  readonly sleep: (ms: number) => Promise<void>
  readonly count: (key: string) => void
  /**
   * The latency is the time from a request's arrival to its answer, the simulator's own work
   * included (a real API's latency includes its database and view building): the request is
   * handled at once and answered when its latency has passed since it arrived. Default: the
   * latency is waited first, then the request is handled (its work comes on top). A request a fault
   * holds, fails, resets or loses is always handled the default way.
   */
  readonly latencyIncludesWork?: boolean
  /** Milliseconds on any fixed scale (performance.now), to measure a request's time since it arrived. */
  readonly now?: () => number
}

interface Service {
  readonly name: ServiceName
  readonly prefix: string
  readonly router: Router
}

const prefixed = (prefix: string, routes: readonly Route[]): Route[] => routes.map((r) => ({ ...r, template: prefix + r.template }))

function parseVersion(s: string): Microversion | undefined {
  const m = /^(\d+)\.(\d+)$/.exec(s.trim())
  return m === null ? undefined : { major: Number(m[1]), minor: Number(m[2]) }
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name]
  return Array.isArray(v) ? v[0] : v
}

/** Microversion negotiation as Cinder and Nova do it; returns the version and the header echo. */
function negotiate(service: ServiceName, req: IncomingMessage): { mv: Microversion; echo: string; error?: string } {
  if (service === 'identity') return { mv: { major: 3, minor: 0 }, echo: '' }
  const [min, max] = service === 'volume' ? ['3.0', CINDER_MAX] : ['2.1', NOVA_MAX]
  const minV = parseVersion(min) as Microversion
  const maxV = parseVersion(max) as Microversion
  let requested: string | undefined
  const h = header(req, 'openstack-api-version')
  if (h !== undefined) {
    for (const part of h.split(',')) {
      const [svc, ver] = part.trim().split(/\s+/)
      if (svc === service) requested = ver
    }
  }
  if (requested === undefined && service === 'compute') requested = header(req, 'x-openstack-nova-api-version')
  if (requested === undefined) return { mv: minV, echo: min }
  if (requested === 'latest') return { mv: maxV, echo: max }
  const v = parseVersion(requested)
  if (v === undefined) return { mv: minV, echo: requested, error: `Invalid API version request: ${requested}` }
  const cmp = (a: Microversion, b: Microversion): number => a.major - b.major || a.minor - b.minor
  if (cmp(v, minV) < 0 || cmp(v, maxV) > 0) {
    return { mv: v, echo: requested, error: `Version ${requested} is not supported by the API. Minimum is ${min} and maximum is ${max}.` }
  }
  return { mv: v, echo: requested }
}

/** Builds the HTTP handler: routing, call counting, faults, settle, auth, microversions, error bodies. */
export function createPipeline(deps: PipelineDeps): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const services: Service[] = [
    { name: 'identity', prefix: '/identity', router: new Router(keystoneRoutes) },
    {
      name: 'volume',
      prefix: '/volume',
      router: new Router([
        ...cinderRootRoutes,
        ...prefixed('/v3/{project_id}', [...volumeRoutes(deps.pageSize), ...snapshotRoutes(deps.pageSize), ...backupRoutes(deps.pageSize), ...cinderMiscRoutes]),
      ]),
    },
    { name: 'compute', prefix: '/compute', router: new Router(novaRoutes(deps.pageSize)) },
  ]

  const now = deps.now ?? (() => performance.now())
  return async (req, res) => {
    const arrived = now()
    const origin = deps.origin()
    const url = new URL(req.url ?? '/', origin)
    const method = (req.method ?? 'GET').toUpperCase()
    const service = services.find((s) => url.pathname === s.prefix || url.pathname.startsWith(s.prefix + '/'))
    const rel = service === undefined ? url.pathname : url.pathname.slice(service.prefix.length)
    const found = service?.router.match(method, rel.replace(/\/$/, ''))
    const route = typeof found === 'object' ? found.route : undefined
    deps.count(route === undefined || service === undefined ? `${method} <unmatched>` : `${method} ${service.prefix}${route.template}`)

    const requestId = `req-${randomUUID()}`
    const headers: Record<string, string> = { 'x-openstack-request-id': requestId }
    const svcName: ServiceName = service?.name ?? 'identity'
    const nego = negotiate(svcName, req)
    if (svcName === 'volume') Object.assign(headers, { 'x-compute-request-id': requestId, 'openstack-api-version': `volume ${nego.echo}`, vary: 'OpenStack-API-Version' })
    if (svcName === 'compute') {
      Object.assign(headers, {
        'x-compute-request-id': requestId,
        'openstack-api-version': `compute ${nego.echo}`,
        'x-openstack-nova-api-version': nego.echo,
        vary: 'OpenStack-API-Version, X-OpenStack-Nova-API-Version',
      })
    }
    if (svcName === 'identity') headers['vary'] = 'X-Auth-Token'

    let lostAtOnce = false
    /** Answer once this much time has passed since arrival (latencyIncludesWork), else at once. */
    let answerAfterMs = 0
    const send = (reply: Reply): void => {
      if (lostAtOnce) return
      // The answer is made now (its JSON too: the simulator's work), and written when it is due.
      const h: Record<string, string> = { ...headers, ...reply.headers }
      let payload = ''
      if (reply.body !== undefined) {
        payload = JSON.stringify(reply.body)
        h['content-type'] ??= svcName === 'compute' && reply.status >= 400 ? 'application/json; charset=UTF-8' : 'application/json'
      }
      h['content-length'] = String(Buffer.byteLength(payload))
      const write = (): void => {
        res.writeHead(reply.status, h)
        res.end(payload)
      }
      const wait = arrived + answerAfterMs - now()
      if (wait > 0) void deps.sleep(wait).then(write)
      else write()
    }
    const fail = (status: number, message: string, extra: Record<string, string> = {}): void => {
      const h = status === 401 ? { 'www-authenticate': `Keystone uri="${origin}/identity/v3"`, ...extra } : extra
      send({ status, body: errorBody(svcName, status, message), headers: h })
    }

    const raw = await readBody(req)
    let lose = false
    let latency = deps.latencyMs()
    const actions = route === undefined || service === undefined ? [] : deps.faults.pick(method, `${service.prefix}${route.template}`)
    for (const a of actions) if (a.kind === 'latency') latency += a.ms
    if (actions.some((a) => a.kind === 'loseResponse' && a.atOnce === true)) {
      lostAtOnce = true
      req.socket.destroy()
    }
    const plain = actions.every((a) => a.kind === 'latency' && a.until === undefined)
    if (deps.latencyIncludesWork === true && plain) answerAfterMs = latency
    else if (latency > 0) await deps.sleep(latency)
    for (const a of actions) if (a.kind === 'latency' && a.until !== undefined) await Promise.resolve(a.until).catch(() => undefined)
    for (const a of actions) {
      if (a.kind === 'reset') {
        req.socket.destroy()
        return
      }
      if (a.kind === 'status') {
        fail(a.status, a.status === 503 ? 'The service is unavailable.' : 'The server has either erred or is incapable of performing the requested operation.')
        return
      }
      if (a.kind === 'rateLimit') {
        const s = String(a.retryAfterSeconds)
        send({ status: 429, body: { overLimit: { code: 429, message: 'Too many requests.', retryAfter: s } }, headers: { 'retry-after': s } })
        return
      }
      if (a.kind === 'loseResponse') lose = true
    }

    if (service === undefined || found === undefined) return fail(404, 'The resource could not be found.')
    if (found === 'method') return fail(405, 'The method specified is not allowed for this resource.')
    const { route: r, params } = found
    const state = deps.state
    state.settle()
    const tokenHeader = header(req, 'x-auth-token')
    const token = state.identity.validToken(tokenHeader)
    if (!r.public && (token === undefined || token.projectId === '')) return fail(401, UNAUTHORIZED_MESSAGE)
    if (nego.error !== undefined) return fail(nego.error.startsWith('Invalid') ? 400 : 406, nego.error)
    let body: unknown
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw)
      } catch {
        return fail(400, 'Malformed request body')
      }
    }
    const roles = token === undefined ? [] : state.identity.rolesOn(token.userId, token.projectId)
    const ctx: SimContext = {
      method,
      url,
      query: url.searchParams,
      headers: req.headers,
      body,
      params,
      state,
      origin,
      token,
      roles,
      isAdmin: roles.includes('admin'),
      mv: nego.mv,
    }
    let reply: Reply
    try {
      reply = r.handler(ctx)
    } catch (err) {
      if (!(err instanceof SimHttpError)) throw err
      if (lose) {
        req.socket.destroy()
        return
      }
      return fail(err.status, err.message, { ...err.headers })
    }
    if (lose) {
      req.socket.destroy()
      return
    }
    send(reply)
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}
