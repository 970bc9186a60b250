import type { EndpointInterface } from '../core/catalog.ts'
import { ConfigError } from '../core/errors.ts'
import type { AuthOptions, Scope, UserRef } from '../identity/v3/tokens/index.ts'
import { CloudConfig, type AuthType } from './cloud-config.ts'
import { isMapping } from './config-files.ts'

export interface ParseContext {
  readonly name: string
  /** `clouds.yaml (/path)` or `environment (OS_* variables)`. */
  readonly source: string
  /** How a key is named in messages: `clouds.foo.auth.auth_url` or `OS_AUTH_URL`. */
  readonly keyName: (key: string) => string
}

const AUTH_TYPE_ALIASES: Record<string, AuthType> = {
  password: 'password',
  v3password: 'password',
  v3applicationcredential: 'v3applicationcredential',
  applicationcredential: 'v3applicationcredential',
  token: 'token',
  v3token: 'token',
}
const INTERFACES: Record<string, EndpointInterface> = {
  public: 'public', publicurl: 'public', internal: 'internal', internalurl: 'internal', admin: 'admin', adminurl: 'admin',
}

/** Validates one merged cloud entry; the first problem throws a one-line ConfigError naming the key. */
export function parseCloud(raw: unknown, ctx: ParseContext): CloudConfig {
  const fail = (key: string, problem: string): never => {
    throw new ConfigError(`${ctx.source}: ${ctx.keyName(key)} ${problem}`)
  }
  if (!isMapping(raw)) return fail('', 'must be a mapping')
  const authRaw = raw['auth'] ?? {}
  if (!isMapping(authRaw)) return fail('auth', 'must be a mapping')
  const str = (key: string, v: unknown): string | undefined => {
    if (v === undefined || v === null || v === '') return undefined
    if (typeof v === 'string') return v
    if (typeof v === 'number' || typeof v === 'boolean') return String(v)
    return fail(key, 'must be a string')
  }
  const a = (k: string): string | undefined => str(`auth.${k}`, authRaw[k])
  const top = (k: string): string | undefined => str(k, raw[k])

  const authTypeRaw = top('auth_type') ?? inferAuthType(authRaw)
  const authType = AUTH_TYPE_ALIASES[authTypeRaw.toLowerCase()]
  if (authType === undefined) {
    return fail('auth_type', `is '${authTypeRaw}'; supported: ${Object.keys(AUTH_TYPE_ALIASES).join(', ')}`)
  }
  const authUrl = a('auth_url') ?? fail('auth.auth_url', 'is required')

  const defaultDomainId = a('default_domain')
  const domainId = a('domain_id')
  const domainName = a('domain_name')
  const projectId = a('project_id')
  const projectName = a('project_name')
  const hasProject = projectId !== undefined || projectName !== undefined
  const user = (): UserRef => {
    const userId = a('user_id')
    const username = a('username')
    const userDomainId = a('user_domain_id') ?? (hasProject ? domainId : undefined) ?? defaultDomainId
    const userDomainName = a('user_domain_name') ?? (hasProject ? domainName : undefined)
    if (userId === undefined && username === undefined) fail('auth.username', 'or auth.user_id is required')
    if (userId === undefined && userDomainId === undefined && userDomainName === undefined) {
      fail('auth.user_domain_name', 'or auth.user_domain_id is required with auth.username')
    }
    return { userId, username, userDomainId, userDomainName }
  }
  const scope = (): Scope | undefined => {
    if (projectId !== undefined) return { projectId }
    if (projectName !== undefined) {
      const projectDomainId = a('project_domain_id') ?? domainId ?? defaultDomainId
      const projectDomainName = a('project_domain_name') ?? domainName
      if (projectDomainId === undefined && projectDomainName === undefined) {
        return fail('auth.project_domain_name', 'or auth.project_domain_id is required with auth.project_name')
      }
      return { projectName, projectDomainId, projectDomainName }
    }
    if (domainId !== undefined) return { domainId }
    if (domainName !== undefined) return { domainName }
    if (a('system_scope') !== undefined) return { system: 'all' }
    return undefined
  }

  let auth: AuthOptions
  if (authType === 'password') {
    const u = user()
    auth = { method: 'password', ...u, password: a('password') ?? fail('auth.password', 'is required'), scope: scope() }
  } else if (authType === 'token') {
    auth = { method: 'token', token: a('token') ?? fail('auth.token', 'is required'), scope: scope() }
  } else {
    const secret = a('application_credential_secret') ?? fail('auth.application_credential_secret', 'is required')
    const id = a('application_credential_id')
    const name = a('application_credential_name')
    if (id === undefined && name === undefined) {
      return fail('auth.application_credential_id', 'or auth.application_credential_name is required')
    }
    auth = { method: 'application_credential', id, name, secret, ...(id === undefined ? user() : {}) }
  }

  const ifaceRaw = top('interface') ?? top('endpoint_type') ?? 'public'
  const iface = INTERFACES[ifaceRaw.toLowerCase()]
  if (iface === undefined) return fail(top('interface') ? 'interface' : 'endpoint_type', `is '${ifaceRaw}'; use public, internal or admin`)

  const verifyRaw = raw['verify']
  let verify = true
  let cacert = top('cacert')
  if (typeof verifyRaw === 'boolean') verify = verifyRaw
  else if (typeof verifyRaw === 'string' && verifyRaw !== '') cacert ??= verifyRaw
  else if (verifyRaw !== undefined && verifyRaw !== null) fail('verify', 'must be true, false or a CA file path')
  if (raw['insecure'] === true) verify = false

  // openstacksdk's `api_timeout`; keystoneauth's session option `timeout` when it is absent.
  const timeoutKey = top('api_timeout') !== undefined ? 'api_timeout' : 'timeout'
  const timeoutRaw = top(timeoutKey)
  let apiTimeoutMs: number | undefined
  if (timeoutRaw !== undefined) {
    const seconds = Number(timeoutRaw)
    if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 86_400) {
      return fail(timeoutKey, `is '${timeoutRaw}'; accepted: a number of seconds greater than 0 (at most 86400)`)
    }
    apiTimeoutMs = Math.max(1, Math.round(seconds * 1000))
  }
  const regions = raw['regions']
  const firstRegion = Array.isArray(regions) ? regions[0] : undefined
  const regionName = top('region_name') ?? (isMapping(firstRegion) ? str('regions', firstRegion['name']) : str('regions', firstRegion))

  return new CloudConfig({
    name: ctx.name,
    source: ctx.source,
    authType,
    authUrl,
    auth,
    regionName,
    interface: iface,
    cacert,
    cert: top('cert'),
    key: top('key'),
    verify,
    apiTimeoutMs,
  })
}

function inferAuthType(auth: Record<string, unknown>): string {
  if (auth['application_credential_secret'] !== undefined) return 'v3applicationcredential'
  if (auth['token'] !== undefined && auth['password'] === undefined) return 'token'
  return 'password'
}
