/** A tiny fetch client for the simulator's own tests (not Snapwarden's OpenStack client). */
import type { Simulator } from '../start-simulator.ts'

export interface SimResponse {
  readonly status: number
  readonly headers: Headers
  readonly json: any // eslint-disable-line @typescript-eslint/no-explicit-any -- test bodies are checked field by field
}

export interface SimSession {
  readonly token: string
  readonly projectId: string
  /** Volume API call relative to `/volume/v3/{project}`; absolute URLs are used as is. */
  volume(method: string, path: string, body?: unknown, mv?: string): Promise<SimResponse>
  compute(method: string, path: string, body?: unknown, mv?: string): Promise<SimResponse>
}

export async function request(url: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<SimResponse> {
  const headers: Record<string, string> = { ...init.headers }
  if (init.body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(url, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) })
  const text = await res.text()
  return { status: res.status, headers: res.headers, json: text.length > 0 ? JSON.parse(text) : undefined }
}

export async function passwordToken(sim: Simulator, user: string): Promise<SimResponse> {
  const c = sim.cloudConfig(user).auth
  return request(`${sim.url}/auth/tokens`, {
    method: 'POST',
    body: {
      auth: {
        identity: { methods: ['password'], password: { user: { name: c.username, password: c.password, domain: { name: 'Default' } } } },
        scope: { project: { name: c.project_name, domain: { name: 'Default' } } },
      },
    },
  })
}

export async function login(sim: Simulator, user: string): Promise<SimSession> {
  const r = await passwordToken(sim, user)
  if (r.status !== 201) throw new Error(`login ${user}: ${r.status}`)
  const token = r.headers.get('x-subject-token') ?? ''
  const projectId = r.json.token.project.id as string
  const at = (base: string, path: string): string => (path.startsWith('http') ? path : base + path)
  const call = (service: string, base: string) => (method: string, path: string, body?: unknown, mv?: string) =>
    request(at(base, path), { method, body, headers: { 'x-auth-token': token, ...(mv === undefined ? {} : { 'openstack-api-version': `${service} ${mv}` }) } })
  return {
    token,
    projectId,
    volume: call('volume', `${sim.origin}/volume/v3/${projectId}`),
    compute: call('compute', `${sim.origin}/compute/v2.1`),
  }
}
