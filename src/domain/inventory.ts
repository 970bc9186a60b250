/** What Snapwarden sees of a cloud, in domain terms (camelCase, Date fields). */

export interface ProjectRef {
  readonly id: string
  readonly name: string
  readonly domainId?: string
}

export interface AttachmentRef {
  readonly serverId: string
  readonly device?: string
}

export interface VolumeRef {
  readonly id: string
  readonly projectId: string
  readonly name: string
  readonly status: string
  readonly sizeGb: number
  readonly createdAt: Date
  readonly metadata: Readonly<Record<string, string>>
  readonly attachments: readonly AttachmentRef[]
  readonly multiattach: boolean
}

export interface ServerRef {
  readonly id: string
  readonly projectId: string
  readonly name: string
  readonly status: string
  readonly metadata: Readonly<Record<string, string>>
  /** Volume ids attached to this server, as Nova reports them. */
  readonly volumeIds: readonly string[]
}

export const SNAPSHOT_STATUSES = [
  'creating',
  'available',
  'deleting',
  'error',
  'error_deleting',
  'backing-up',
  'restoring',
  'unmanaging',
] as const

export interface SnapshotRecord {
  readonly id: string
  readonly volumeId: string
  readonly projectId: string
  readonly name: string
  readonly status: string
  readonly sizeGb: number
  readonly createdAt: Date
  readonly updatedAt?: Date
  readonly metadata: Readonly<Record<string, string>>
}

export interface BackupRecord {
  readonly id: string
  readonly volumeId: string
  readonly projectId: string
  readonly name: string
  readonly description?: string
  readonly status: string
  readonly sizeGb: number
  readonly createdAt: Date
  readonly updatedAt?: Date
  readonly isIncremental: boolean
  readonly hasDependentBackups: boolean
  readonly snapshotId?: string
  readonly metadata: Readonly<Record<string, string>>
}

export interface QuotaItem {
  readonly limit: number
  readonly inUse: number
  readonly reserved: number
}

export interface BlockStorageQuota {
  readonly projectId: string
  readonly snapshots: QuotaItem
  readonly backups: QuotaItem
  readonly backupGigabytes: QuotaItem
  readonly gigabytes: QuotaItem
  readonly volumes: QuotaItem
}

/** Everything a snapshot cycle needs, listed once per project (or once with all_tenants). */
export interface SnapshotInventory {
  readonly volumes: readonly VolumeRef[]
  readonly snapshots: readonly SnapshotRecord[]
}
