import { getMetadata as getMetadataAt, mergeMetadata } from '../../../core/metadata.ts'
import { compact } from '../../../core/compact.ts'
import { paginate } from '../../../core/pagination.ts'
import { withQuery, type ServiceClient } from '../../../core/service-client.ts'
import { parseVolume, type Volume } from './results.ts'
import { actionUrl, createUrl, getUrl, listDetailUrl, metadataKeyUrl, metadataUrl } from './urls.ts'

export interface ListOpts {
  /** Volumes of every project (admin); Cinder's `all_tenants`. */
  readonly allTenants?: boolean | undefined
  /** With allTenants: only this project's volumes. */
  readonly projectId?: string | undefined
  /** Only volumes whose metadata has all these pairs (sent JSON-encoded, as Cinder expects). */
  readonly metadata?: Readonly<Record<string, string>> | undefined
  readonly status?: string | undefined
  readonly name?: string | undefined
  /** Page size (every page is still followed). */
  readonly limit?: number | undefined
  /** Start after this volume id. */
  readonly marker?: string | undefined
  readonly sort?: string | undefined
}

/** GET /volumes/detail, every page. */
export function list(client: ServiceClient, opts: ListOpts = {}, signal?: AbortSignal): AsyncIterable<Volume> {
  const url = withQuery(listDetailUrl(client), {
    all_tenants: opts.allTenants ? 1 : undefined,
    project_id: opts.projectId,
    metadata: opts.metadata ? JSON.stringify(opts.metadata) : undefined,
    status: opts.status,
    name: opts.name,
    limit: opts.limit,
    marker: opts.marker,
    sort: opts.sort,
  })
  return paginate(client, url, { itemsKey: 'volumes', parse: parseVolume, signal })
}

export async function get(client: ServiceClient, id: string, signal?: AbortSignal): Promise<Volume> {
  const res = await client.get(getUrl(client, id), { okCodes: [200], signal })
  return parseVolume((res.body as { volume: unknown }).volume)
}

export function getMetadata(client: ServiceClient, id: string, signal?: AbortSignal): Promise<Record<string, string>> {
  return getMetadataAt(client, metadataUrl(client, id), signal)
}

/** POST /volumes/{id}/metadata: merges these keys (others are kept); returns the whole metadata. */
export function setMetadata(
  client: ServiceClient,
  id: string,
  metadata: Readonly<Record<string, string>>,
  signal?: AbortSignal,
): Promise<Record<string, string>> {
  return mergeMetadata(client, metadataUrl(client, id), metadata, signal)
}

/** DELETE /volumes/{id}/metadata/{key}. */
export async function deleteMetadataKey(client: ServiceClient, id: string, key: string, signal?: AbortSignal): Promise<void> {
  await client.delete(metadataKeyUrl(client, id, key), { okCodes: [200, 204], signal })
}

export interface CreateOpts {
  readonly size: number
  readonly name?: string | undefined
  readonly description?: string | undefined
  readonly volumeType?: string | undefined
  readonly availabilityZone?: string | undefined
  readonly snapshotId?: string | undefined
  readonly sourceVolumeId?: string | undefined
  readonly metadata?: Readonly<Record<string, string>> | undefined
}

/** POST /volumes (202); the volume starts in `creating`. */
export async function create(client: ServiceClient, opts: CreateOpts, signal?: AbortSignal): Promise<Volume> {
  const volume = compact({
    size: opts.size,
    name: opts.name,
    description: opts.description,
    volume_type: opts.volumeType,
    availability_zone: opts.availabilityZone,
    snapshot_id: opts.snapshotId,
    source_volid: opts.sourceVolumeId,
    metadata: opts.metadata,
  })
  const res = await client.post(createUrl(client), { volume }, { okCodes: [202], signal })
  return parseVolume((res.body as { volume: unknown }).volume)
}

export interface RemoveOpts {
  /** Also delete the volume's snapshots (Cinder `cascade`). */
  readonly cascade?: boolean | undefined
}

/** DELETE /volumes/{id} (202). */
export async function remove(client: ServiceClient, id: string, opts: RemoveOpts = {}, signal?: AbortSignal): Promise<void> {
  await client.delete(withQuery(getUrl(client, id), { cascade: opts.cascade ? 'true' : undefined }), { okCodes: [202], signal })
}

/** os-force_delete (admin): deletes whatever the status. */
export async function forceDelete(client: ServiceClient, id: string, signal?: AbortSignal): Promise<void> {
  await client.post(actionUrl(client, id), { 'os-force_delete': {} }, { okCodes: [202], signal })
}

/** os-reset_status (admin): sets the status field without doing anything else. */
export async function resetStatus(client: ServiceClient, id: string, status: string, signal?: AbortSignal): Promise<void> {
  await client.post(actionUrl(client, id), { 'os-reset_status': { status } }, { okCodes: [202], signal })
}
