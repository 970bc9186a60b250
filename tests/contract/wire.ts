/** Plain-fetch helpers for the contract cases: no Snapwarden client code, just the wire. */
import { fetch } from 'undici'

export interface Credentials {
  readonly authUrl: string
  readonly username: string
  readonly password: string
  readonly projectName: string
  readonly userDomainName: string
  readonly projectDomainName: string
}

export interface Session {
  readonly token: string
  readonly projectId: string
  readonly userId: string
  readonly roles: readonly string[]
  readonly volumeUrl: string
  readonly computeUrl: string
  readonly body: TokenBody
}

export interface TokenBody {
  readonly token: {
    readonly expires_at: string
    readonly methods: readonly string[]
    readonly project: { readonly id: string; readonly name: string }
    readonly user: { readonly id: string; readonly name: string }
    readonly roles: readonly { readonly id: string; readonly name: string }[]
    readonly catalog: readonly { readonly type: string; readonly endpoints: readonly { readonly interface: string; readonly url: string }[] }[]
  }
}

export interface WireResponse {
  readonly status: number
  readonly headers: Headers
  /** Parsed JSON body, or undefined for an empty/non-JSON body. */
  readonly json: any // eslint-disable-line @typescript-eslint/no-explicit-any -- wire bodies are checked field by field
  readonly text: string
}

export async function rawRequest(method: string, url: string, opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<WireResponse> {
  const headers: Record<string, string> = { accept: 'application/json', ...opts.headers }
  if (opts.token !== undefined) headers['x-auth-token'] = opts.token
  if (opts.body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(url, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) })
  const text = await res.text()
  let json: unknown
  try {
    json = text.length > 0 ? JSON.parse(text) : undefined
  } catch {
    json = undefined
  }
  return { status: res.status, headers: res.headers as unknown as Headers, json, text }
}

export async function authenticate(c: Credentials): Promise<Session> {
  const res = await rawRequest('POST', `${c.authUrl.replace(/\/$/, '')}/auth/tokens`, {
    body: {
      auth: {
        identity: { methods: ['password'], password: { user: { name: c.username, password: c.password, domain: { name: c.userDomainName } } } },
        scope: { project: { name: c.projectName, domain: { name: c.projectDomainName } } },
      },
    },
  })
  if (res.status !== 201) throw new Error(`token request for ${c.username} answered ${res.status}`)
  const body = res.json as TokenBody
  const endpoint = (type: string): string => {
    const svc = body.token.catalog.find((s) => s.type === type)
    const url = svc?.endpoints.find((e) => e.interface === 'public')?.url
    if (url === undefined) throw new Error(`catalog has no public ${type} endpoint`)
    return url.replace(/\/$/, '')
  }
  return {
    token: res.headers.get('x-subject-token') ?? '',
    projectId: body.token.project.id,
    userId: body.token.user.id,
    roles: body.token.roles.map((r) => r.name),
    volumeUrl: endpoint('volumev3'),
    computeUrl: endpoint('compute'),
    body,
  }
}

/** A call to Cinder (`volume`) or Nova (`compute`) with an optional microversion like `3.43`. */
export function call(s: Session, service: 'volume' | 'compute', method: string, path: string, opts: { body?: unknown; mv?: string } = {}): Promise<WireResponse> {
  const base = service === 'volume' ? s.volumeUrl : s.computeUrl
  const headers: Record<string, string> = {}
  if (opts.mv !== undefined) headers['openstack-api-version'] = `${service} ${opts.mv}`
  return rawRequest(method, base + path, { token: s.token, body: opts.body, headers })
}

export interface Poll {
  readonly timeoutMs: number
  readonly intervalMs: number
  readonly sleep: (ms: number) => Promise<void>
}

/** Polls until `done` holds; bounded by timeoutMs/intervalMs attempts. Returns the last response. */
export async function waitFor(poll: Poll, what: string, get: () => Promise<WireResponse>, done: (r: WireResponse) => boolean): Promise<WireResponse> {
  const attempts = Math.max(1, Math.ceil(poll.timeoutMs / Math.max(poll.intervalMs, 1)))
  let last: WireResponse | undefined
  for (let i = 0; i < attempts; i++) {
    last = await get()
    if (done(last)) return last
    await poll.sleep(poll.intervalMs)
  }
  throw new Error(`timed out waiting for ${what}; last status ${last?.status}: ${last?.text.slice(0, 300)}`)
}

export const statusOf = (key: string) => (r: WireResponse): string | undefined => (r.json?.[key] as { status?: string } | undefined)?.status

/** Waits for a resource to reach one status; fails fast on error states. */
export async function waitStatus(poll: Poll, s: Session, service: 'volume' | 'compute', path: string, key: string, target: string): Promise<WireResponse> {
  return waitFor(poll, `${path} ${target}`, () => call(s, service, 'GET', path), (r) => {
    const st = statusOf(key)(r)
    if (st === 'error' || st === 'ERROR') throw new Error(`${path} went to ${st}`)
    return st === target
  })
}

export async function waitGone(poll: Poll, s: Session, path: string): Promise<void> {
  await waitFor(poll, `${path} gone`, () => call(s, 'volume', 'GET', path), (r) => r.status === 404)
}
