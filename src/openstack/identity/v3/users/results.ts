export interface User {
  readonly id: string
  readonly name: string
  readonly domainId: string
  readonly enabled: boolean
  readonly email: string | undefined
  readonly defaultProjectId: string | undefined
}

interface UserBody {
  id: string
  name: string
  domain_id: string
  enabled?: boolean
  email?: string | null
  default_project_id?: string | null
}

export function parseUser(raw: unknown): User {
  const b = raw as UserBody
  return {
    id: b.id,
    name: b.name,
    domainId: b.domain_id,
    enabled: b.enabled !== false,
    email: b.email ?? undefined,
    defaultProjectId: b.default_project_id ?? undefined,
  }
}
