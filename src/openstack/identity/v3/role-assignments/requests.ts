import { paginate } from '../../../core/pagination.ts'
import { withQuery, type ServiceClient } from '../../../core/service-client.ts'
import { parseRoleAssignment, type RoleAssignment } from './results.ts'
import { listUrl } from './urls.ts'

export interface ListOpts {
  readonly userId?: string | undefined
  readonly groupId?: string | undefined
  readonly roleId?: string | undefined
  readonly projectId?: string | undefined
  readonly domainId?: string | undefined
  /** Expand group memberships into user assignments (Keystone `effective`). */
  readonly effective?: boolean | undefined
  /** Add names of users, roles and scopes. */
  readonly includeNames?: boolean | undefined
}

/** GET /v3/role_assignments, every page. */
export function list(client: ServiceClient, opts: ListOpts = {}, signal?: AbortSignal): AsyncIterable<RoleAssignment> {
  const url = withQuery(listUrl(client), {
    'user.id': opts.userId,
    'group.id': opts.groupId,
    'role.id': opts.roleId,
    'scope.project.id': opts.projectId,
    'scope.domain.id': opts.domainId,
    // Keystone treats the mere presence of these flags as true.
    effective: opts.effective ? '' : undefined,
    include_names: opts.includeNames ? 'true' : undefined,
  })
  return paginate(client, url, { itemsKey: 'role_assignments', linksKey: 'links', parse: parseRoleAssignment, signal })
}
