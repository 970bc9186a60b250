import { getMetadata as getMetadataAt, mergeMetadata } from '../../../core/metadata.ts'
import { compact } from '../../../core/compact.ts'
import { paginate, paginatePages } from '../../../core/pagination.ts'
import { withQuery, type ServiceClient } from '../../../core/service-client.ts'
import { parseSnapshot, sharingSnapshotParser, volumeIdOf, type Snapshot } from './results.ts'
import { actionUrl, createUrl, getUrl, listDetailUrl, metadataUrl } from './urls.ts'

export interface ListOpts {
  /** Snapshots of every project (admin); Cinder's `all_tenants`. */
  readonly allTenants?: boolean | undefined
  readonly projectId?: string | undefined
  readonly volumeId?: string | undefined
  readonly status?: string | undefined
  readonly name?: string | undefined
  /** Only snapshots whose metadata has all these pairs (sent JSON-encoded). Requires microversion 3.22 or later. */
  readonly metadata?: Readonly<Record<string, string>> | undefined
  /** Page size (every page is still followed). */
  readonly limit?: number | undefined
  readonly marker?: string | undefined
  readonly sort?: string | undefined
}

/** GET /snapshots/detail, every page. */
export function list(client: ServiceClient, opts: ListOpts = {}, signal?: AbortSignal): AsyncIterable<Snapshot> {
  return paginate(client, listUrl(client, opts), { itemsKey: 'snapshots', parse: sharingSnapshotParser(), signal })
}

/**
 * GET /snapshots/detail, every page, a page at a time (see paginatePages). With `onlyVolumes`, the
 * snapshots of other volumes are left out unparsed (a client-side filter: Cinder is not asked).
 */
export function listPages(client: ServiceClient, opts: ListOpts = {}, signal?: AbortSignal, onlyVolumes?: ReadonlySet<string>): AsyncIterable<Snapshot[]> {
  const skip = onlyVolumes === undefined ? undefined : (raw: unknown): boolean => !onlyVolumes.has(volumeIdOf(raw))
  return paginatePages(client, listUrl(client, opts), { itemsKey: 'snapshots', parse: sharingSnapshotParser(), skip, signal })
}

function listUrl(client: ServiceClient, opts: ListOpts): string {
  return withQuery(listDetailUrl(client), {
    all_tenants: opts.allTenants ? 1 : undefined,
    project_id: opts.projectId,
    volume_id: opts.volumeId,
    status: opts.status,
    name: opts.name,
    metadata: opts.metadata ? JSON.stringify(opts.metadata) : undefined,
    limit: opts.limit,
    marker: opts.marker,
    sort: opts.sort,
  })
}

export interface CreateOpts {
  readonly volumeId: string
  readonly name?: string | undefined
  readonly description?: string | undefined
  readonly metadata?: Readonly<Record<string, string>> | undefined
  /** Snapshot an in-use volume. */
  readonly force?: boolean | undefined
}

/** POST /snapshots (202); the snapshot starts in `creating`. */
export async function create(client: ServiceClient, opts: CreateOpts, signal?: AbortSignal): Promise<Snapshot> {
  const snapshot = compact({
    volume_id: opts.volumeId,
    name: opts.name,
    description: opts.description,
    metadata: opts.metadata,
    force: opts.force,
  })
  const res = await client.post(createUrl(client), { snapshot }, { okCodes: [202], signal })
  return parseSnapshot((res.body as { snapshot: unknown }).snapshot)
}

export async function get(client: ServiceClient, id: string, signal?: AbortSignal): Promise<Snapshot> {
  const res = await client.get(getUrl(client, id), { okCodes: [200], signal })
  return parseSnapshot((res.body as { snapshot: unknown }).snapshot)
}

/** DELETE /snapshots/{id} (202). */
export async function remove(client: ServiceClient, id: string, signal?: AbortSignal): Promise<void> {
  await client.delete(getUrl(client, id), { okCodes: [202], signal })
}

/** os-force_delete (admin): deletes whatever the status. */
export async function forceDelete(client: ServiceClient, id: string, signal?: AbortSignal): Promise<void> {
  await client.post(actionUrl(client, id), { 'os-force_delete': {} }, { okCodes: [202], signal })
}

/** os-reset_status (admin): sets the status field without doing anything else. */
export async function resetStatus(client: ServiceClient, id: string, status: string, signal?: AbortSignal): Promise<void> {
  await client.post(actionUrl(client, id), { 'os-reset_status': { status } }, { okCodes: [202], signal })
}

export function getMetadata(client: ServiceClient, id: string, signal?: AbortSignal): Promise<Record<string, string>> {
  return getMetadataAt(client, metadataUrl(client, id), signal)
}

/** POST /snapshots/{id}/metadata: merges these keys; returns the whole metadata. */
export function setMetadata(
  client: ServiceClient,
  id: string,
  metadata: Readonly<Record<string, string>>,
  signal?: AbortSignal,
): Promise<Record<string, string>> {
  return mergeMetadata(client, metadataUrl(client, id), metadata, signal)
}
