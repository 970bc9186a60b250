/**
 * Interfaces that cross rooms, shaped by what their consumers need. cloud/ implements Cloud with
 * openstack/; store/ implements the stores; cli/ wires them together.
 */
import type {
  BackupRecord,
  BlockStorageQuota,
  ProjectRef,
  ServerRef,
  SnapshotRecord,
  VolumeRef,
} from './inventory.ts'

/** Which projects a listing covers: one project, or every project (admin, all_tenants). */
export type ListScope = { readonly allProjects: true } | { readonly allProjects: false; readonly projectId: string }

export interface CloudIdentity {
  readonly userId: string
  readonly projectId: string
  readonly projectName: string
  readonly roles: readonly string[]
  readonly isAdmin: boolean
}

export interface CreateSnapshotRequest {
  readonly volumeId: string
  readonly projectId: string
  readonly name: string
  readonly description?: string
  readonly metadata: Readonly<Record<string, string>>
  /** Snapshot an in-use volume (Cinder's `force`). */
  readonly force: boolean
}

export interface CreateBackupRequest {
  readonly volumeId: string
  readonly projectId: string
  readonly name: string
  readonly description?: string
  readonly incremental: boolean
  readonly force: boolean
  readonly snapshotId?: string
  readonly metadata?: Readonly<Record<string, string>>
}

export interface FindBackupsQuery {
  readonly volumeId: string
  /** The project the create was sent for (CreateBackupRequest.projectId). */
  readonly projectId: string
  readonly name: string
}

/** One poll round over backups in flight (polling by listing: one listing, not a GET per backup). */
export interface RecentBackupsQuery {
  /** The projects the watched backups were created for (CreateBackupRequest.projectId). */
  readonly projectIds: readonly string[]
  /**
   * The watched ids, oldest first as they were made (a round over more than a page reads its pages
   * in parallel, from markers among them; another order costs pages, never a backup). The listing
   * (newest first) stops paging once it has seen all of them.
   */
  readonly ids: readonly string[]
  /** Nor does it page past backups created before this instant. */
  readonly createdSince: Date
}

/** One listing round over snapshots in flight: every volume's window at once (polling by listing). */
export interface SnapshotsByMetadataQuery {
  /** The projects the snapshots were created for (CreateSnapshotRequest.projectId). */
  readonly projectIds: readonly string[]
  /** Only snapshots whose metadata has all these pairs (Cinder's `metadata` filter, microversion 3.22+). */
  readonly metadata: Readonly<Record<string, string>>
  /**
   * Only the snapshots of these volumes are wanted (a round's volumes in flight): the others the
   * listing returns are skipped as each page is read, not returned. All of them when absent.
   */
  readonly volumeIds?: ReadonlySet<string> | undefined
}

export interface BackupsByStatusQuery {
  /** The projects the backups are in. */
  readonly projectIds: readonly string[]
  /** Cinder's `status` filter, e.g. `deleting`. */
  readonly status: string
}

/** The cloud as the application sees it. Every method may throw an AppError with an OS_* code. */
export interface Cloud {
  identity(signal?: AbortSignal): Promise<CloudIdentity>
  listProjects(signal?: AbortSignal): Promise<ProjectRef[]>

  listVolumes(scope: ListScope, signal?: AbortSignal): AsyncIterable<VolumeRef>
  getVolume(volumeId: string, signal?: AbortSignal): Promise<VolumeRef>
  /** Merges these keys into the volume's metadata (other keys are kept). */
  setVolumeMetadata(volumeId: string, metadata: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<void>
  deleteVolumeMetadataKey(volumeId: string, key: string, signal?: AbortSignal): Promise<void>

  listServers(scope: ListScope, signal?: AbortSignal): AsyncIterable<ServerRef>

  listSnapshots(scope: ListScope, signal?: AbortSignal): AsyncIterable<SnapshotRecord>
  /** Snapshots of one volume whose metadata has all the given pairs (used to confirm a create). */
  findSnapshots(volumeId: string, metadata: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<SnapshotRecord[]>
  /**
   * Snapshots of any volume whose metadata has all the given pairs, where `projectIds` put them
   * (one `snapshots/detail?metadata=` listing, every project at once for an admin, else one per
   * project), every page: one round of window confirmations for a whole run.
   */
  listSnapshotsByMetadata(query: SnapshotsByMetadataQuery, signal?: AbortSignal): Promise<SnapshotRecord[]>
  createSnapshot(req: CreateSnapshotRequest, signal?: AbortSignal): Promise<SnapshotRecord>
  /** Resolves undefined when the snapshot is gone. */
  getSnapshot(snapshotId: string, signal?: AbortSignal): Promise<SnapshotRecord | undefined>
  /** Deleting something already gone succeeds. */
  deleteSnapshot(snapshotId: string, signal?: AbortSignal): Promise<void>
  forceDeleteSnapshot(snapshotId: string, signal?: AbortSignal): Promise<void>

  listBackups(scope: ListScope, signal?: AbortSignal): AsyncIterable<BackupRecord>
  /**
   * Backups of one volume with this name, looked up where `createBackup` with this `projectId`
   * puts them (the volume's project when a token scoped to it can be had, else the credential's
   * own): used before re-sending a create whose answer may have been lost.
   */
  findBackups(query: FindBackupsQuery, signal?: AbortSignal): Promise<BackupRecord[]>
  /** Cinder answers a create with the id and name only. */
  createBackup(req: CreateBackupRequest, signal?: AbortSignal): Promise<{ id: string; name: string }>
  /**
   * Starts getting, at once and side by side, what a create in each of these projects needs first
   * (a token scoped to it, per-project tokens), so the first create there does not wait for it.
   * Never fails: a project whose preparation failed is prepared again by its first create.
   */
  prepareProjects?(projectIds: readonly string[], signal?: AbortSignal): void
  getBackup(backupId: string, signal?: AbortSignal): Promise<BackupRecord | undefined>
  /**
   * The newest backups where `projectIds` put them (one `backups/detail` listing, every project at
   * once for an admin), newest first, down to `createdSince` or until every id was seen.
   */
  /**
   * `onPage` is told each page's records as soon as it was read, before the next page is asked
   * for (a poll round settles what it found while the rest is listed).
   */
  listRecentBackups(query: RecentBackupsQuery, signal?: AbortSignal, onPage?: (records: readonly BackupRecord[]) => void): Promise<BackupRecord[]>
  /** Backups in one status where `projectIds` put them (`backups/detail?status=`). */
  listBackupsByStatus(query: BackupsByStatusQuery, signal?: AbortSignal): Promise<BackupRecord[]>
  deleteBackup(backupId: string, signal?: AbortSignal): Promise<void>
  forceDeleteBackup(backupId: string, signal?: AbortSignal): Promise<void>

  getQuota(projectId: string, signal?: AbortSignal): Promise<BlockStorageQuota>

  /** The client's classifier: network errors, timeouts, 408, 429 and 5xx are transient. */
  isTransient(err: unknown): boolean
  /** For 429/503 with Retry-After: how long the server asked us to wait, in ms. */
  retryAfterMs(err: unknown): number | undefined
}
