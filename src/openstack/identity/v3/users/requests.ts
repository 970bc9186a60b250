import type { ServiceClient } from '../../../core/service-client.ts'
import * as roleAssignments from '../role-assignments/index.ts'
import { parseUser, type User } from './results.ts'
import { getUrl } from './urls.ts'

export async function get(client: ServiceClient, id: string, signal?: AbortSignal): Promise<User> {
  const res = await client.get(getUrl(client, id), { okCodes: [200], signal })
  return parseUser((res.body as { user: unknown }).user)
}

export interface ProjectMember {
  readonly id: string
  readonly name: string | undefined
  readonly roles: readonly string[]
}

/**
 * The users with a role on a project (effective assignments, so group members count), each
 * once with its role names: e.g. the recipients of a project's report.
 */
export async function listInProject(client: ServiceClient, projectId: string, signal?: AbortSignal): Promise<ProjectMember[]> {
  const byId = new Map<string, { name: string | undefined; roles: string[] }>()
  for await (const a of roleAssignments.list(client, { projectId, effective: true, includeNames: true }, signal)) {
    if (a.user === undefined) continue
    const entry = byId.get(a.user.id) ?? { name: a.user.name, roles: [] }
    const role = a.role.name ?? a.role.id
    if (!entry.roles.includes(role)) entry.roles.push(role)
    byId.set(a.user.id, entry)
  }
  return [...byId].map(([id, e]) => ({ id, name: e.name, roles: e.roles }))
}
