import { compact } from '../../../core/compact.ts'
import { paginate } from '../../../core/pagination.ts'
import { withQuery, type ServiceClient } from '../../../core/service-client.ts'
import { parseAttachment, type Attachment } from './results.ts'
import { actionUrl, createUrl, getUrl, listDetailUrl } from './urls.ts'

export interface ListOpts {
  readonly allTenants?: boolean | undefined
  readonly volumeId?: string | undefined
  readonly instanceId?: string | undefined
  readonly status?: string | undefined
}

/** GET /attachments/detail, every page. Requires microversion 3.27 or later. */
export function list(client: ServiceClient, opts: ListOpts = {}, signal?: AbortSignal): AsyncIterable<Attachment> {
  const url = withQuery(listDetailUrl(client), {
    all_tenants: opts.allTenants ? 1 : undefined,
    volume_id: opts.volumeId,
    instance_id: opts.instanceId,
    status: opts.status,
  })
  return paginate(client, url, { itemsKey: 'attachments', parse: parseAttachment, signal })
}

export interface CreateOpts {
  readonly volumeId: string
  readonly instanceId?: string | undefined
  /** os-brick connector properties (`{ host, initiator, … }`); without it the attachment is reserved only. */
  readonly connector?: Readonly<Record<string, unknown>> | undefined
  /** `rw` or `ro`. Requires microversion 3.54 or later. */
  readonly mode?: string | undefined
}

/** POST /attachments (200). Requires microversion 3.27 or later. */
export async function create(client: ServiceClient, opts: CreateOpts, signal?: AbortSignal): Promise<Attachment> {
  const attachment = compact({
    volume_uuid: opts.volumeId,
    instance_uuid: opts.instanceId,
    connector: opts.connector,
    mode: opts.mode,
  })
  const res = await client.post(createUrl(client), { attachment }, { okCodes: [200], signal })
  return parseAttachment((res.body as { attachment: unknown }).attachment)
}

/** os-complete: marks the volume `in-use`. Requires microversion 3.44 or later. */
export async function complete(client: ServiceClient, id: string, signal?: AbortSignal): Promise<void> {
  await client.post(actionUrl(client, id), { 'os-complete': null }, { okCodes: [204], signal })
}

/** DELETE /attachments/{id} (200). Nova-managed attachments answer 409: detach through Nova. */
export async function remove(client: ServiceClient, id: string, signal?: AbortSignal): Promise<void> {
  await client.delete(getUrl(client, id), { okCodes: [200, 204], signal })
}
