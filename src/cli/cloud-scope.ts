import type { Cloud, CloudIdentity, ListScope } from '../domain/ports.ts'
import { UserError } from '../domain/errors.ts'

/** The listing scope for --all-projects: all_tenants needs an admin credential. */
export async function scopeFor(cloud: Cloud, identity: CloudIdentity, allProjects: boolean): Promise<ListScope> {
  void cloud
  if (!allProjects) return { allProjects: false, projectId: identity.projectId }
  if (!identity.isAdmin) {
    throw new UserError(
      `--all-projects needs an admin credential; ${identity.projectName} has roles [${identity.roles.join(', ')}]`,
      'CLI_USAGE',
    )
  }
  return { allProjects: true }
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of it) out.push(x)
  return out
}
