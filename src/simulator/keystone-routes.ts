import { createHash } from 'node:crypto'
import { DEFAULT_DOMAIN } from './sim-identity.ts'
import { badRequest, forbidden, json, notFound, SimHttpError, UNAUTHORIZED_MESSAGE, type Route, type SimContext } from './sim-http.ts'
import type { SimState } from './sim-state.ts'
import type { SimToken, SimUser } from './sim-types.ts'

/** Keystone's `2024-01-01T00:00:00.000000Z`. */
function keystoneTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19) + '.000000Z'
}

const unauthorized = (): SimHttpError => new SimHttpError(401, UNAUTHORIZED_MESSAGE)

function versionDoc(origin: string): Record<string, unknown> {
  return {
    id: 'v3.14',
    status: 'stable',
    updated: '2020-04-07T00:00:00Z',
    links: [{ rel: 'self', href: `${origin}/identity/v3/` }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
  }
}

const stableId = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 32)

function catalog(origin: string, projectId: string): unknown[] {
  const service = (type: string, name: string, url: string) => ({
    endpoints: ['public', 'internal', 'admin'].map((iface) => ({
      id: stableId(`${type}/${iface}`),
      interface: iface,
      region_id: 'RegionOne',
      url,
      region: 'RegionOne',
    })),
    id: stableId(type),
    type,
    name,
  })
  return [
    service('identity', 'keystone', `${origin}/identity/v3/`),
    service('volumev3', 'cinderv3', `${origin}/volume/v3/${projectId}`),
    service('block-storage', 'cinder', `${origin}/volume/v3/${projectId}`),
    service('compute', 'nova', `${origin}/compute/v2.1`),
  ]
}

/** The token body Keystone returns from POST and GET /v3/auth/tokens. */
export function tokenBody(state: SimState, origin: string, t: SimToken): unknown {
  const id = state.identity
  const user = id.users.get(t.userId)
  const project = id.projects.get(t.projectId)
  const body: Record<string, unknown> = {
    methods: t.methods,
    user: { domain: DEFAULT_DOMAIN, id: t.userId, name: user?.name ?? '', password_expires_at: null },
    audit_ids: [stableId(t.id).slice(0, 22)],
    expires_at: keystoneTime(t.expiresAt),
    issued_at: keystoneTime(t.issuedAt),
  }
  if (project !== undefined) {
    body['project'] = { domain: DEFAULT_DOMAIN, id: project.id, name: project.name }
    body['is_domain'] = false
    body['roles'] = id.rolesOn(t.userId, project.id).map((name) => ({ id: id.roleId(name), name }))
    body['catalog'] = catalog(origin, project.id)
  }
  if (t.appCredentialId !== undefined) {
    const cred = id.appCredentials.get(t.appCredentialId)
    body['application_credential'] = { id: t.appCredentialId, name: cred?.name ?? '', restricted: true }
  }
  return { token: body }
}

type Obj = Record<string, unknown>
const obj = (v: unknown): Obj | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined)

function findUser(state: SimState, u: Obj | undefined): SimUser | undefined {
  if (u === undefined) return undefined
  if (typeof u['id'] === 'string') return state.identity.users.get(u['id'])
  const domain = obj(u['domain'])
  const domainId = typeof domain?.['id'] === 'string' ? domain['id'] : domain?.['name'] === DEFAULT_DOMAIN.name ? DEFAULT_DOMAIN.id : undefined
  if (typeof u['name'] !== 'string' || domainId === undefined) return undefined
  return state.identity.findUserByName(u['name'], domainId)
}

function issue(ctx: SimContext) {
  const st = ctx.state
  const auth = obj(obj(ctx.body)?.['auth'])
  const identity = obj(auth?.['identity'])
  const methods = identity?.['methods']
  if (identity === undefined || !Array.isArray(methods) || methods.length === 0) {
    throw badRequest("Invalid input for field 'identity': 'methods' is a required property")
  }
  const method = String(methods[0])
  let user: SimUser | undefined
  let appCredId: string | undefined
  let projectId: string | undefined
  if (method === 'password') {
    const u = obj(obj(identity['password'])?.['user'])
    user = findUser(st, u)
    if (user === undefined || !user.enabled || u?.['password'] !== user.password) throw unauthorized()
  } else if (method === 'application_credential') {
    const a = obj(identity['application_credential'])
    let cred = typeof a?.['id'] === 'string' ? st.identity.appCredentials.get(a['id']) : undefined
    if (cred === undefined && typeof a?.['name'] === 'string') {
      const owner = findUser(st, obj(a['user']))
      cred = [...st.identity.appCredentials.values()].find((c) => c.name === a['name'] && c.userId === owner?.id)
    }
    if (cred === undefined || a?.['secret'] !== cred.secret) throw unauthorized()
    user = st.identity.users.get(cred.userId)
    appCredId = cred.id
    projectId = cred.projectId
  } else if (method === 'token') {
    const old = st.identity.validToken(String(obj(identity['token'])?.['id'] ?? ''))
    if (old === undefined) throw unauthorized()
    user = st.identity.users.get(old.userId)
  } else throw unauthorized()
  if (user === undefined) throw unauthorized()

  const scope = obj(obj(auth?.['scope'])?.['project'])
  if (scope !== undefined && appCredId === undefined) {
    if (typeof scope['id'] === 'string') projectId = scope['id']
    else if (typeof scope['name'] === 'string') {
      const d = obj(scope['domain'])
      const domainId = typeof d?.['id'] === 'string' ? d['id'] : d?.['name'] === DEFAULT_DOMAIN.name ? DEFAULT_DOMAIN.id : ''
      projectId = st.identity.findProjectByName(scope['name'], domainId)?.id
    }
    if (projectId === undefined || !st.identity.projects.has(projectId)) throw unauthorized()
  } else if (projectId === undefined && user.defaultProjectId !== null) {
    projectId = user.defaultProjectId
  }
  if (projectId !== undefined && st.identity.rolesOn(user.id, projectId).length === 0) throw unauthorized()
  const token = st.identity.issueToken(user.id, projectId ?? '', [method], appCredId)
  return json(201, tokenBody(st, ctx.origin, token), { 'x-subject-token': token.id })
}

function validate(ctx: SimContext) {
  const subject = ctx.headers['x-subject-token']
  const t = ctx.state.identity.validToken(typeof subject === 'string' ? subject : undefined)
  if (t === undefined) throw notFound(`Could not find token: ${String(subject)}.`)
  return json(200, tokenBody(ctx.state, ctx.origin, t), { 'x-subject-token': t.id })
}

const denied = (action: string): SimHttpError => forbidden(`You are not authorized to perform the requested action: identity:${action}.`)

function projectView(ctx: SimContext, id: string): unknown {
  const p = ctx.state.identity.projects.get(id)
  if (p === undefined) throw notFound(`Could not find project: ${id}.`)
  return {
    id: p.id,
    name: p.name,
    domain_id: p.domainId,
    description: p.description,
    enabled: p.enabled,
    parent_id: p.domainId,
    is_domain: false,
    tags: [],
    options: {},
    links: { self: `${ctx.origin}/identity/v3/projects/${p.id}` },
  }
}

function roleAssignments(ctx: SimContext) {
  if (!ctx.isAdmin) throw denied('list_role_assignments')
  const id = ctx.state.identity
  const q = ctx.query
  const names = q.has('include_names') && q.get('include_names') !== '0' && q.get('include_names') !== 'false'
  const out = id.assignments
    .filter((a) => (q.get('user.id') ?? a.userId) === a.userId && (q.get('scope.project.id') ?? a.projectId) === a.projectId)
    .map((a) => {
      const roleId = id.roleId(a.role)
      const withName = <T extends Obj>(o: T, name: string | undefined, domain = false): T =>
        names ? { ...o, name, ...(domain ? { domain: DEFAULT_DOMAIN } : {}) } : o
      return {
        links: { assignment: `${ctx.origin}/identity/v3/projects/${a.projectId}/users/${a.userId}/roles/${roleId}` },
        scope: { project: withName({ id: a.projectId }, id.projects.get(a.projectId)?.name, true) },
        user: withName({ id: a.userId }, id.users.get(a.userId)?.name, true),
        role: withName({ id: roleId }, a.role),
      }
    })
  return json(200, { role_assignments: out, links: { next: null, self: ctx.url.href, previous: null } })
}

/** Keystone v3, relative to `/identity`. */
export const keystoneRoutes: readonly Route[] = [
  {
    method: 'GET',
    template: '',
    public: true,
    handler: (ctx) => json(300, { versions: { values: [versionDoc(ctx.origin)] } }, { location: `${ctx.origin}/identity/v3/` }),
  },
  { method: 'GET', template: '/v3', public: true, handler: (ctx) => json(200, { version: versionDoc(ctx.origin) }) },
  { method: 'POST', template: '/v3/auth/tokens', public: true, handler: issue },
  { method: 'GET', template: '/v3/auth/tokens', handler: validate },
  {
    method: 'GET',
    template: '/v3/auth/projects',
    handler: (ctx) => {
      const id = ctx.state.identity
      const mine = [...id.projects.values()].filter((p) => id.rolesOn(ctx.token?.userId ?? '', p.id).length > 0)
      return json(200, { projects: mine.map((p) => projectView(ctx, p.id)), links: { next: null, self: ctx.url.href, previous: null } })
    },
  },
  {
    method: 'GET',
    template: '/v3/projects',
    handler: (ctx) => {
      if (!ctx.isAdmin) throw denied('list_projects')
      const all = [...ctx.state.identity.projects.values()].filter((p) => (ctx.query.get('name') ?? p.name) === p.name)
      return json(200, { projects: all.map((p) => projectView(ctx, p.id)), links: { next: null, self: ctx.url.href, previous: null } })
    },
  },
  {
    method: 'GET',
    template: '/v3/projects/{project_id}',
    handler: (ctx) => {
      const pid = ctx.params['project_id'] ?? ''
      if (!ctx.isAdmin && pid !== ctx.token?.projectId) throw denied('get_project')
      return json(200, { project: projectView(ctx, pid) })
    },
  },
  { method: 'GET', template: '/v3/role_assignments', handler: roleAssignments },
  {
    method: 'GET',
    template: '/v3/users/{user_id}',
    handler: (ctx) => {
      const uid = ctx.params['user_id'] ?? ''
      if (!ctx.isAdmin && uid !== ctx.token?.userId) throw denied('get_user')
      const u = ctx.state.identity.users.get(uid)
      if (u === undefined) throw notFound(`Could not find user: ${uid}.`)
      return json(200, {
        user: {
          id: u.id,
          name: u.name,
          domain_id: u.domainId,
          enabled: u.enabled,
          default_project_id: u.defaultProjectId,
          ...(u.email !== undefined ? { email: u.email } : {}),
          password_expires_at: null,
          options: {},
          links: { self: `${ctx.origin}/identity/v3/users/${u.id}` },
        },
      })
    },
  },
]
