import { getMetadata as getMetadataAt, mergeMetadata } from '../../../core/metadata.ts'
import { compact } from '../../../core/compact.ts'
import { paginate } from '../../../core/pagination.ts'
import { withQuery, type ServiceClient } from '../../../core/service-client.ts'
import { parseServer, type CreatedServer, type Server } from './results.ts'
import { createUrl, getUrl, listDetailUrl, metadataUrl } from './urls.ts'

export interface ListOpts {
  /** Servers of every project (admin). */
  readonly allTenants?: boolean | undefined
  /** With allTenants: only this project's servers (`project_id`). */
  readonly projectId?: string | undefined
  readonly name?: string | undefined
  readonly status?: string | undefined
  /** Page size (every page is still followed). */
  readonly limit?: number | undefined
  readonly marker?: string | undefined
}

/** GET /servers/detail, every page. */
export function list(client: ServiceClient, opts: ListOpts = {}, signal?: AbortSignal): AsyncIterable<Server> {
  const url = withQuery(listDetailUrl(client), {
    all_tenants: opts.allTenants ? 1 : undefined,
    project_id: opts.projectId,
    name: opts.name,
    status: opts.status,
    limit: opts.limit,
    marker: opts.marker,
  })
  return paginate(client, url, { itemsKey: 'servers', parse: parseServer, signal })
}

export async function get(client: ServiceClient, id: string, signal?: AbortSignal): Promise<Server> {
  const res = await client.get(getUrl(client, id), { okCodes: [200], signal })
  return parseServer((res.body as { server: unknown }).server)
}

export function getMetadata(client: ServiceClient, id: string, signal?: AbortSignal): Promise<Record<string, string>> {
  return getMetadataAt(client, metadataUrl(client, id), signal)
}

/** POST /servers/{id}/metadata: merges these keys; returns the whole metadata. */
export function setMetadata(
  client: ServiceClient,
  id: string,
  metadata: Readonly<Record<string, string>>,
  signal?: AbortSignal,
): Promise<Record<string, string>> {
  return mergeMetadata(client, metadataUrl(client, id), metadata, signal)
}

export interface CreateOpts {
  readonly name: string
  readonly flavorRef: string
  readonly imageRef?: string | undefined
  /** `'none'` or `'auto'` require microversion 2.37 or later; or a list of networks. */
  readonly networks?: 'none' | 'auto' | readonly { readonly uuid: string }[] | undefined
  readonly metadata?: Readonly<Record<string, string>> | undefined
  readonly availabilityZone?: string | undefined
}

/** POST /servers (202), minimal: enough for tests that attach volumes. */
export async function create(client: ServiceClient, opts: CreateOpts, signal?: AbortSignal): Promise<CreatedServer> {
  const server = compact({
    name: opts.name,
    flavorRef: opts.flavorRef,
    imageRef: opts.imageRef,
    networks: opts.networks,
    metadata: opts.metadata,
    availability_zone: opts.availabilityZone,
  })
  const res = await client.post(createUrl(client), { server }, { okCodes: [202], signal })
  return { id: (res.body as { server: { id: string } }).server.id }
}

/** DELETE /servers/{id} (204). */
export async function remove(client: ServiceClient, id: string, signal?: AbortSignal): Promise<void> {
  await client.delete(getUrl(client, id), { okCodes: [204], signal })
}
