export interface NamedRef {
  readonly id: string
  /** Present with includeNames. */
  readonly name: string | undefined
}

export interface RoleAssignment {
  readonly role: NamedRef
  readonly user: NamedRef | undefined
  readonly group: NamedRef | undefined
  readonly projectId: string | undefined
  readonly projectName: string | undefined
  readonly domainId: string | undefined
  /** True when the assignment is inherited to sub-projects (`OS-INHERIT:inherited_to`). */
  readonly inherited: boolean
}

interface RefBody {
  id: string
  name?: string
}
interface RoleAssignmentBody {
  role: RefBody
  user?: RefBody
  group?: RefBody
  scope?: { project?: RefBody; domain?: RefBody; 'OS-INHERIT:inherited_to'?: string }
}

const ref = (b: RefBody | undefined): NamedRef | undefined => (b ? { id: b.id, name: b.name } : undefined)

export function parseRoleAssignment(raw: unknown): RoleAssignment {
  const b = raw as RoleAssignmentBody
  return {
    role: { id: b.role.id, name: b.role.name },
    user: ref(b.user),
    group: ref(b.group),
    projectId: b.scope?.project?.id,
    projectName: b.scope?.project?.name,
    domainId: b.scope?.domain?.id,
    inherited: b.scope?.['OS-INHERIT:inherited_to'] !== undefined,
  }
}
