import { randomBytes } from 'node:crypto'
import type { Prng } from './prng.ts'
import type { SimClock } from './sim-clock.ts'
import type { SimAppCredential, SimProject, SimRoleAssignment, SimToken, SimUser } from './sim-types.ts'

export const DEFAULT_DOMAIN = { id: 'default', name: 'Default' } as const

/** Keystone's implied roles as in the devcloud: admin ⇒ member ⇒ reader. */
const IMPLIED: Readonly<Record<string, readonly string[]>> = { admin: ['member', 'reader'], member: ['reader'] }

/** Projects, users, role assignments, application credentials and tokens. */
export class SimIdentity {
  readonly projects = new Map<string, SimProject>()
  readonly users = new Map<string, SimUser>()
  readonly assignments: SimRoleAssignment[] = []
  readonly appCredentials = new Map<string, SimAppCredential>()
  readonly tokens = new Map<string, SimToken>()
  /** Role name → id, created on first use. */
  readonly roleIds = new Map<string, string>()

  constructor(
    private readonly prng: Prng,
    private readonly clock: SimClock,
    public tokenLifetimeMs: number,
  ) {}

  addProject(p: { id?: string; name: string; description?: string }): SimProject {
    const project: SimProject = {
      id: p.id ?? this.prng.hex32(),
      name: p.name,
      domainId: DEFAULT_DOMAIN.id,
      description: p.description ?? '',
      enabled: true,
    }
    this.projects.set(project.id, project)
    return project
  }

  /** Adds a user; `roles` are granted on `projectId` (which becomes the default project). */
  addUser(u: { id?: string; name: string; password: string; projectId?: string; roles?: readonly string[]; email?: string }): SimUser {
    const user: SimUser = {
      id: u.id ?? this.prng.hex32(),
      name: u.name,
      domainId: DEFAULT_DOMAIN.id,
      password: u.password,
      defaultProjectId: u.projectId ?? null,
      enabled: true,
      ...(u.email !== undefined ? { email: u.email } : {}),
    }
    this.users.set(user.id, user)
    if (u.projectId !== undefined) for (const role of u.roles ?? ['member']) this.grant(user.id, u.projectId, role)
    return user
  }

  grant(userId: string, projectId: string, role: string): void {
    this.roleId(role)
    this.assignments.push({ userId, projectId, role })
  }

  addAppCredential(a: { id?: string; name: string; secret: string; userId: string; projectId: string }): SimAppCredential {
    const cred: SimAppCredential = { id: a.id ?? this.prng.hex32(), name: a.name, secret: a.secret, userId: a.userId, projectId: a.projectId }
    this.appCredentials.set(cred.id, cred)
    return cred
  }

  roleId(name: string): string {
    let id = this.roleIds.get(name)
    if (id === undefined) {
      id = this.prng.hex32()
      this.roleIds.set(name, id)
    }
    return id
  }

  /** Effective role names of a user on a project (assigned plus implied). */
  rolesOn(userId: string, projectId: string): string[] {
    const out = new Set<string>()
    for (const a of this.assignments) {
      if (a.userId !== userId || a.projectId !== projectId) continue
      out.add(a.role)
      for (const r of IMPLIED[a.role] ?? []) out.add(r)
    }
    for (const r of out) this.roleId(r)
    return [...out]
  }

  findUserByName(name: string, domainId: string): SimUser | undefined {
    for (const u of this.users.values()) if (u.name === name && u.domainId === domainId) return u
    return undefined
  }

  findProjectByName(name: string, domainId: string): SimProject | undefined {
    for (const p of this.projects.values()) if (p.name === name && p.domainId === domainId) return p
    return undefined
  }

  issueToken(userId: string, projectId: string, methods: readonly string[], appCredentialId?: string): SimToken {
    const now = this.clock.now()
    const token: SimToken = {
      id: 'gAAAAA' + randomBytes(90).toString('base64url'),
      userId,
      projectId,
      methods,
      issuedAt: now,
      expiresAt: now + this.tokenLifetimeMs,
      ...(appCredentialId === undefined ? {} : { appCredentialId }),
    }
    this.tokens.set(token.id, token)
    return token
  }

  /** The token if it exists and has not expired. */
  validToken(id: string | undefined): SimToken | undefined {
    if (id === undefined) return undefined
    const t = this.tokens.get(id)
    if (t === undefined) return undefined
    if (t.expiresAt <= this.clock.now()) return undefined
    return t
  }

  expireAllTokens(): void {
    const now = this.clock.now()
    for (const t of this.tokens.values()) t.expiresAt = Math.min(t.expiresAt, now)
  }
}
