import { OpenStackHttpError } from '../../../core/errors.ts'
import type { ServiceClient } from '../../../core/service-client.ts'
import { parseToken, type Token } from './results.ts'
import { createUrl } from './urls.ts'

/** Project by id, project by name in a domain, domain, or the whole system. */
export type Scope =
  | { readonly projectId: string }
  | { readonly projectName: string; readonly projectDomainId?: string | undefined; readonly projectDomainName?: string | undefined }
  | { readonly domainId: string }
  | { readonly domainName: string }
  | { readonly system: 'all' }

export interface UserRef {
  readonly userId?: string | undefined
  readonly username?: string | undefined
  readonly userDomainId?: string | undefined
  readonly userDomainName?: string | undefined
}

export interface PasswordAuth extends UserRef {
  readonly method: 'password'
  readonly password: string
  readonly scope?: Scope | undefined
}

/** Application credentials carry their own scope. */
export interface ApplicationCredentialAuth extends UserRef {
  readonly method: 'application_credential'
  readonly id?: string | undefined
  readonly name?: string | undefined
  readonly secret: string
}

export interface TokenAuth {
  readonly method: 'token'
  readonly token: string
  readonly scope?: Scope | undefined
}

export type AuthOptions = PasswordAuth | ApplicationCredentialAuth | TokenAuth

/** POST /v3/auth/tokens; the token value comes from the `X-Subject-Token` header. */
export async function create(client: ServiceClient, opts: AuthOptions, signal?: AbortSignal): Promise<Token> {
  const url = createUrl(client)
  const res = await client.post(url, toAuthBody(opts), { okCodes: [201], signal })
  const subject = res.headers['x-subject-token']
  if (subject === undefined) {
    const apiMessage = 'answer has no X-Subject-Token header'
    throw new OpenStackHttpError({ method: 'POST', url, status: res.status, expected: [201], body: '', apiMessage })
  }
  return parseToken(subject, res.body)
}

function userBody(u: UserRef): Record<string, unknown> {
  if (u.userId !== undefined) return { id: u.userId }
  return { name: u.username, domain: domainBody(u.userDomainId, u.userDomainName) }
}

function domainBody(id: string | undefined, name: string | undefined): Record<string, string> | undefined {
  if (id !== undefined) return { id }
  if (name !== undefined) return { name }
  return undefined
}

function scopeBody(s: Scope): Record<string, unknown> {
  if ('projectId' in s) return { project: { id: s.projectId } }
  if ('projectName' in s) return { project: { name: s.projectName, domain: domainBody(s.projectDomainId, s.projectDomainName) } }
  if ('domainId' in s) return { domain: { id: s.domainId } }
  if ('domainName' in s) return { domain: { name: s.domainName } }
  return { system: { all: true } }
}

/** The request body for each auth method (exported for the request tests). */
export function toAuthBody(opts: AuthOptions): { auth: Record<string, unknown> } {
  let identity: Record<string, unknown>
  let scope: Scope | undefined
  switch (opts.method) {
    case 'password':
      identity = { methods: ['password'], password: { user: { ...userBody(opts), password: opts.password } } }
      scope = opts.scope
      break
    case 'application_credential': {
      const cred: Record<string, unknown> = opts.id !== undefined ? { id: opts.id } : { name: opts.name, user: userBody(opts) }
      identity = { methods: ['application_credential'], application_credential: { ...cred, secret: opts.secret } }
      break
    }
    case 'token':
      identity = { methods: ['token'], token: { id: opts.token } }
      scope = opts.scope
      break
  }
  return { auth: scope === undefined ? { identity } : { identity, scope: scopeBody(scope) } }
}
