import type { SimState } from './sim-state.ts'
import type { SimToken } from './sim-types.ts'

export type ServiceName = 'identity' | 'volume' | 'compute'

export interface Microversion {
  readonly major: number
  readonly minor: number
}

/** One request as a route handler sees it. */
export interface SimContext {
  readonly method: string
  readonly url: URL
  readonly query: URLSearchParams
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
  readonly body: unknown
  readonly params: Readonly<Record<string, string>>
  readonly state: SimState
  /** `http://127.0.0.1:PORT` */
  readonly origin: string
  readonly token: SimToken | undefined
  readonly roles: readonly string[]
  readonly isAdmin: boolean
  readonly mv: Microversion
}

export interface Reply {
  readonly status: number
  readonly body?: unknown
  readonly headers?: Readonly<Record<string, string>>
}

export type Handler = (ctx: SimContext) => Reply

export interface Route {
  readonly method: string
  /** Relative to the service prefix, e.g. `/volumes/{volume_id}`. */
  readonly template: string
  readonly handler: Handler
  /** No token needed (version documents, token issue). */
  readonly public?: boolean
}

/** Thrown by handlers: becomes the service's error body with this status. */
export class SimHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message)
    this.name = 'SimHttpError'
  }
}

export const badRequest = (m: string): SimHttpError => new SimHttpError(400, m)
export const notFound = (m: string): SimHttpError => new SimHttpError(404, m)
export const forbidden = (m: string): SimHttpError => new SimHttpError(403, m)

export function atLeast(mv: Microversion, major: number, minor: number): boolean {
  return mv.major > major || (mv.major === major && mv.minor >= minor)
}

export function json(status: number, body: unknown, headers?: Record<string, string>): Reply {
  return headers === undefined ? { status, body } : { status, body, headers }
}

/** The request body as an object, or 400 like the services say for unparsable bodies. */
export function bodyObject(ctx: SimContext, key: string): Record<string, unknown> {
  const b = ctx.body
  if (typeof b !== 'object' || b === null || Array.isArray(b)) throw badRequest('Malformed request body')
  const inner = (b as Record<string, unknown>)[key]
  if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) {
    throw badRequest(`Invalid input for field/attribute ${key}. Value: ${pyRepr(b)}. '${key}' is a required property`)
  }
  return inner as Record<string, unknown>
}

/** Python-ish repr of a JSON value, for messages copied from jsonschema validation errors. */
export function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None'
  if (v === true) return 'True'
  if (v === false) return 'False'
  if (typeof v === 'string') return `'${v}'`
  if (typeof v === 'number') return String(v)
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`
  return `{${Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => `'${k}': ${pyRepr(x)}`)
    .join(', ')}}`
}

export function stringMap(v: unknown, what: string): Record<string, string> {
  if (v === undefined || v === null) return {}
  if (typeof v !== 'object' || Array.isArray(v)) throw badRequest(`Invalid input for field/attribute ${what}. Value: ${pyRepr(v)}. ${pyRepr(v)} is not of type 'object'`)
  const out: Record<string, string> = {}
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (typeof x !== 'string') throw badRequest(`Invalid input for field/attribute ${what}. Value: ${pyRepr(v)}. ${pyRepr(x)} is not of type 'string'`)
    out[k] = x
  }
  return out
}

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
}

const FAULT_KEYS: Readonly<Record<number, string>> = {
  400: 'badRequest',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'badMethod',
  406: 'computeFault',
  409: 'conflictingRequest',
  413: 'overLimit',
  429: 'overLimit',
  500: 'computeFault',
  501: 'notImplemented',
  503: 'serviceUnavailable',
}

/** The error body each service sends (Keystone and keystonemiddleware 401s use `error`). */
export function errorBody(service: ServiceName, status: number, message: string): unknown {
  if (service === 'identity' || status === 401) {
    return { error: { code: status, message, title: TITLES[status] ?? 'Error' } }
  }
  const key = FAULT_KEYS[status] ?? (status >= 500 ? 'computeFault' : 'badRequest')
  return { [key]: { code: status, message } }
}

export const UNAUTHORIZED_MESSAGE = 'The request you have made requires authentication.'

interface Compiled {
  readonly route: Route
  readonly re: RegExp
  readonly names: readonly string[]
}

/** Matches `/volumes/{volume_id}`-style templates. */
export class Router {
  private readonly compiled: Compiled[] = []

  constructor(routes: readonly Route[]) {
    for (const route of routes) {
      const names: string[] = []
      const src = route.template.replace(/[.]/g, '\\.').replace(/\{([a-z_]+)\}/g, (_m, n: string) => {
        names.push(n)
        return '([^/]+)'
      })
      this.compiled.push({ route, re: new RegExp(`^${src}/?$`), names })
    }
  }

  match(method: string, path: string): { route: Route; params: Record<string, string> } | 'method' | undefined {
    let pathMatched = false
    for (const c of this.compiled) {
      const m = c.re.exec(path)
      if (m === null) continue
      pathMatched = true
      if (c.route.method !== method) continue
      const params: Record<string, string> = {}
      c.names.forEach((n, i) => {
        params[n] = decodeURIComponent(m[i + 1] ?? '')
      })
      return { route: c.route, params }
    }
    return pathMatched ? 'method' : undefined
  }
}
