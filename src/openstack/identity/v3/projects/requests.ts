import { paginate } from '../../../core/pagination.ts'
import { withQuery, type ServiceClient } from '../../../core/service-client.ts'
import { parseProject, type Project } from './results.ts'
import { getUrl, listUrl } from './urls.ts'

export interface ListOpts {
  readonly name?: string | undefined
  readonly domainId?: string | undefined
  readonly enabled?: boolean | undefined
  readonly parentId?: string | undefined
}

/** GET /v3/projects (admin), every page. */
export function list(client: ServiceClient, opts: ListOpts = {}, signal?: AbortSignal): AsyncIterable<Project> {
  const url = withQuery(listUrl(client), {
    name: opts.name,
    domain_id: opts.domainId,
    enabled: opts.enabled,
    parent_id: opts.parentId,
  })
  return paginate(client, url, { itemsKey: 'projects', linksKey: 'links', parse: parseProject, signal })
}

export async function get(client: ServiceClient, id: string, signal?: AbortSignal): Promise<Project> {
  const res = await client.get(getUrl(client, id), { okCodes: [200], signal })
  return parseProject((res.body as { project: unknown }).project)
}
