import type { CatalogEntry } from '../../../core/catalog.ts'
import { parseRequiredWireTime } from '../../../core/wire-time.ts'

export interface NamedRef {
  readonly id: string
  readonly name: string
}

export interface TokenUser extends NamedRef {
  readonly domain: NamedRef
}

export interface TokenProject extends NamedRef {
  readonly domain: NamedRef
}

/**
 * A Keystone v3 token. The token value (`X-Subject-Token`) is in `id`, which is not enumerable:
 * JSON.stringify and object spreads never show it.
 */
export interface Token {
  readonly id: string
  readonly expiresAt: Date
  readonly issuedAt: Date
  readonly methods: readonly string[]
  readonly user: TokenUser
  /** Present for project-scoped tokens. */
  readonly project?: TokenProject | undefined
  /** Present for domain-scoped tokens. */
  readonly domain?: NamedRef | undefined
  readonly roles: readonly NamedRef[]
  readonly catalog: readonly CatalogEntry[]
}

interface RefBody {
  id: string
  name: string
  domain?: RefBody
}
interface EndpointBody {
  id: string
  interface: string
  region_id?: string | null
  region?: string | null
  url: string
}
interface TokenBody {
  token: {
    methods: string[]
    user: RefBody
    project?: RefBody
    domain?: RefBody
    expires_at: string
    issued_at: string
    roles?: RefBody[]
    catalog?: { id: string; type: string; name?: string; endpoints: EndpointBody[] }[]
  }
}

const ref = (b: RefBody): NamedRef => ({ id: b.id, name: b.name })
const scoped = (b: RefBody) => ({ ...ref(b), domain: b.domain ? ref(b.domain) : { id: '', name: '' } })

export function parseToken(subjectToken: string, body: unknown): Token {
  const t = (body as TokenBody).token
  const token: Token = {
    id: subjectToken,
    expiresAt: parseRequiredWireTime(t.expires_at),
    issuedAt: parseRequiredWireTime(t.issued_at),
    methods: t.methods,
    user: scoped(t.user),
    project: t.project ? scoped(t.project) : undefined,
    domain: t.domain ? ref(t.domain) : undefined,
    roles: (t.roles ?? []).map(ref),
    catalog: (t.catalog ?? []).map((e) => ({
      id: e.id,
      type: e.type,
      name: e.name ?? '',
      endpoints: e.endpoints.map((ep) => ({
        id: ep.id,
        interface: ep.interface,
        region: ep.region_id ?? ep.region ?? undefined,
        url: ep.url,
      })),
    })),
  }
  Object.defineProperty(token, 'id', { value: subjectToken, enumerable: false, writable: false })
  return token
}
