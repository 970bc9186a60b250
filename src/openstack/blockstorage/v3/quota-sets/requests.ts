import { withQuery, type ServiceClient } from '../../../core/service-client.ts'
import { parseQuotaSet, type QuotaSet } from './results.ts'
import { getUrl } from './urls.ts'

export interface GetOpts {
  /** Also fetch in_use/reserved per resource (`?usage=true`). */
  readonly usage?: boolean | undefined
}

/** GET /os-quota-sets/{project_id}. A member may read only its own project. */
export async function get(client: ServiceClient, projectId: string, opts: GetOpts = {}, signal?: AbortSignal): Promise<QuotaSet> {
  const url = withQuery(getUrl(client, projectId), { usage: opts.usage ? 'true' : undefined })
  const res = await client.get(url, { okCodes: [200], signal })
  return parseQuotaSet(res.body, projectId)
}
