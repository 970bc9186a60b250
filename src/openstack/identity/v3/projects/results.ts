export interface Project {
  readonly id: string
  readonly name: string
  readonly domainId: string
  readonly description: string
  readonly enabled: boolean
  readonly parentId: string | undefined
  readonly isDomain: boolean
  readonly tags: readonly string[]
}

interface ProjectBody {
  id: string
  name: string
  domain_id: string
  description?: string | null
  enabled?: boolean
  parent_id?: string | null
  is_domain?: boolean
  tags?: string[]
}

export function parseProject(raw: unknown): Project {
  const b = raw as ProjectBody
  return {
    id: b.id,
    name: b.name,
    domainId: b.domain_id,
    description: b.description ?? '',
    enabled: b.enabled !== false,
    parentId: b.parent_id ?? undefined,
    isDomain: b.is_domain === true,
    tags: b.tags ?? [],
  }
}
