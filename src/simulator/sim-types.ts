/** The simulator's resources, in wire-like terms (times are epoch ms from the simulator's clock). */

export interface SimProject {
  readonly id: string
  name: string
  readonly domainId: string
  description: string
  enabled: boolean
}

export interface SimUser {
  readonly id: string
  name: string
  readonly domainId: string
  password: string
  defaultProjectId: string | null
  enabled: boolean
  /** Keystone's optional `email` attribute (report recipients). */
  email?: string
}

export interface SimRoleAssignment {
  readonly userId: string
  readonly projectId: string
  readonly role: string
}

export interface SimAppCredential {
  readonly id: string
  readonly name: string
  readonly secret: string
  readonly userId: string
  readonly projectId: string
}

export interface SimToken {
  readonly id: string
  readonly userId: string
  readonly projectId: string
  readonly methods: readonly string[]
  readonly issuedAt: number
  expiresAt: number
  readonly appCredentialId?: string
}

/** A pending status change: `to: null` means the resource disappears. */
export interface SimTransition {
  readonly to: string | null
  readonly at: number
}

export interface SimAttachment {
  readonly id: string
  readonly serverId: string
  readonly device: string
  readonly attachedAt: number
}

export interface SimVolume {
  readonly kind: 'volume'
  readonly id: string
  readonly projectId: string
  readonly userId: string
  name: string | null
  description: string | null
  size: number
  status: string
  readonly createdAt: number
  updatedAt: number | null
  metadata: Record<string, string>
  multiattach: boolean
  bootable: boolean
  volumeType: string
  attachments: SimAttachment[]
  transition?: SimTransition
}

export interface SimSnapshot {
  readonly kind: 'snapshot'
  readonly id: string
  readonly projectId: string
  readonly userId: string
  readonly volumeId: string
  name: string | null
  description: string | null
  size: number
  status: string
  readonly createdAt: number
  updatedAt: number | null
  metadata: Record<string, string>
  transition?: SimTransition
}

export interface SimBackup {
  readonly kind: 'backup'
  readonly id: string
  readonly projectId: string
  readonly userId: string
  readonly volumeId: string
  readonly snapshotId: string | null
  name: string | null
  description: string | null
  size: number
  status: string
  readonly createdAt: number
  updatedAt: number | null
  readonly dataTimestamp: number
  metadata: Record<string, string>
  readonly parentId: string | null
  objectCount: number
  failReason: string | null
  /** The volume's status before it became `backing-up`; restored when the backup settles. */
  volumeStatusBefore?: string
  transition?: SimTransition
}

export interface SimServerVolume {
  readonly id: string
  readonly deleteOnTermination: boolean
}

export interface SimServer {
  readonly id: string
  readonly projectId: string
  readonly userId: string
  name: string
  status: string
  metadata: Record<string, string>
  readonly createdAt: number
  updatedAt: number
  volumes: SimServerVolume[]
}

export interface SimQuota {
  volumes: number
  snapshots: number
  backups: number
  gigabytes: number
  backupGigabytes: number
  perVolumeGigabytes: number
  groups: number
}

export type SimResource = SimVolume | SimSnapshot | SimBackup
export type SimResourceKind = SimResource['kind']
