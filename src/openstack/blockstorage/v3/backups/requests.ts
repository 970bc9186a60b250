import { compact } from '../../../core/compact.ts'
import { paginate, paginatePages } from '../../../core/pagination.ts'
import { withQuery, type ServiceClient } from '../../../core/service-client.ts'
import { parseBackup, parseCreatedBackup, type Backup, type CreatedBackup } from './results.ts'
import { actionUrl, createUrl, getUrl, listDetailUrl, restoreUrl } from './urls.ts'

export interface ListOpts {
  /** Backups of every project (admin); Cinder's `all_tenants`. */
  readonly allTenants?: boolean | undefined
  readonly projectId?: string | undefined
  readonly volumeId?: string | undefined
  readonly status?: string | undefined
  readonly name?: string | undefined
  /** Page size (every page is still followed). */
  readonly limit?: number | undefined
  readonly marker?: string | undefined
  readonly sort?: string | undefined
}

/** GET /backups/detail, every page. */
export function list(client: ServiceClient, opts: ListOpts = {}, signal?: AbortSignal): AsyncIterable<Backup> {
  return paginate(client, listUrl(client, opts), { itemsKey: 'backups', parse: parseBackup, signal })
}

/** GET /backups/detail, page by page (the same pages and stops as list()). */
export function listPages(client: ServiceClient, opts: ListOpts = {}, signal?: AbortSignal): AsyncIterable<Backup[]> {
  return paginatePages(client, listUrl(client, opts), { itemsKey: 'backups', parse: parseBackup, signal })
}

function listUrl(client: ServiceClient, opts: ListOpts): string {
  return withQuery(listDetailUrl(client), {
    all_tenants: opts.allTenants ? 1 : undefined,
    project_id: opts.projectId,
    volume_id: opts.volumeId,
    status: opts.status,
    name: opts.name,
    limit: opts.limit,
    marker: opts.marker,
    sort: opts.sort,
  })
}

export interface CreateOpts {
  readonly volumeId: string
  readonly name?: string | undefined
  readonly description?: string | undefined
  /** Incremental on top of the volume's latest backup (a full one must exist). */
  readonly incremental?: boolean | undefined
  /** Back up an in-use volume. */
  readonly force?: boolean | undefined
  /** Back up this snapshot of the volume instead of the volume itself. */
  readonly snapshotId?: string | undefined
  readonly container?: string | undefined
  /** Requires microversion 3.43 or later. */
  readonly metadata?: Readonly<Record<string, string>> | undefined
  /** Requires microversion 3.51 or later. */
  readonly availabilityZone?: string | undefined
}

/** POST /backups (202). Cinder answers with id and name only; poll get() for the status. */
export async function create(client: ServiceClient, opts: CreateOpts, signal?: AbortSignal): Promise<CreatedBackup> {
  const backup = compact({
    volume_id: opts.volumeId,
    name: opts.name,
    description: opts.description,
    incremental: opts.incremental,
    force: opts.force,
    snapshot_id: opts.snapshotId,
    container: opts.container,
    metadata: opts.metadata,
    availability_zone: opts.availabilityZone,
  })
  const res = await client.post(createUrl(client), { backup }, { okCodes: [202], signal })
  return parseCreatedBackup((res.body as { backup: unknown }).backup)
}

export async function get(client: ServiceClient, id: string, signal?: AbortSignal): Promise<Backup> {
  const res = await client.get(getUrl(client, id), { okCodes: [200], signal })
  return parseBackup((res.body as { backup: unknown }).backup)
}

/** DELETE /backups/{id} (202). Incremental backups must go before the backup they build on. */
export async function remove(client: ServiceClient, id: string, signal?: AbortSignal): Promise<void> {
  await client.delete(getUrl(client, id), { okCodes: [202], signal })
}

/** os-force_delete (admin): deletes whatever the status. */
export async function forceDelete(client: ServiceClient, id: string, signal?: AbortSignal): Promise<void> {
  await client.post(actionUrl(client, id), { 'os-force_delete': {} }, { okCodes: [202], signal })
}

/** os-reset_status (admin): only `available` or `error` are accepted by Cinder. */
export async function resetStatus(client: ServiceClient, id: string, status: string, signal?: AbortSignal): Promise<void> {
  await client.post(actionUrl(client, id), { 'os-reset_status': { status } }, { okCodes: [202], signal })
}

export interface RestoreOpts {
  /** Restore into this volume; otherwise Cinder creates one. */
  readonly volumeId?: string | undefined
  readonly name?: string | undefined
}

export interface Restore {
  readonly backupId: string
  readonly volumeId: string
  readonly volumeName: string
}

/** POST /backups/{id}/restore (202). */
export async function restore(client: ServiceClient, id: string, opts: RestoreOpts = {}, signal?: AbortSignal): Promise<Restore> {
  const res = await client.post(restoreUrl(client, id), { restore: compact({ volume_id: opts.volumeId, name: opts.name }) }, {
    okCodes: [202],
    signal,
  })
  const r = (res.body as { restore: { backup_id: string; volume_id: string; volume_name?: string } }).restore
  return { backupId: r.backup_id, volumeId: r.volume_id, volumeName: r.volume_name ?? '' }
}
