import { parseRequiredWireTime, parseWireTime } from '../../../core/wire-time.ts'

export interface VolumeAttachment {
  readonly id: string
  readonly attachmentId: string | undefined
  readonly serverId: string | undefined
  readonly volumeId: string
  readonly device: string | undefined
  readonly hostName: string | undefined
  readonly attachedAt: Date | undefined
}

export interface Volume {
  readonly id: string
  readonly name: string
  readonly description: string
  readonly status: string
  readonly size: number
  /** `os-vol-tenant-attr:tenant_id`: present for admins (and owners). */
  readonly projectId: string | undefined
  readonly userId: string | undefined
  readonly availabilityZone: string | undefined
  readonly volumeType: string | undefined
  readonly bootable: boolean
  readonly encrypted: boolean
  readonly multiattach: boolean
  readonly metadata: Readonly<Record<string, string>>
  readonly attachments: readonly VolumeAttachment[]
  readonly snapshotId: string | undefined
  readonly sourceVolumeId: string | undefined
  readonly groupId: string | undefined
  /** `os-vol-host-attr:host` (admin only). */
  readonly host: string | undefined
  readonly createdAt: Date
  readonly updatedAt: Date | undefined
}

interface AttachmentBody {
  id: string
  attachment_id?: string
  server_id?: string
  volume_id: string
  device?: string | null
  host_name?: string | null
  attached_at?: string | null
}
interface VolumeBody {
  id: string
  name: string | null
  description: string | null
  status: string
  size: number
  'os-vol-tenant-attr:tenant_id'?: string
  'os-vol-host-attr:host'?: string | null
  user_id?: string
  availability_zone?: string | null
  volume_type?: string | null
  bootable?: string | boolean
  encrypted?: boolean
  multiattach?: boolean
  metadata?: Record<string, string> | null
  attachments?: AttachmentBody[]
  snapshot_id?: string | null
  source_volid?: string | null
  group_id?: string | null
  created_at: string
  updated_at?: string | null
}

const opt = <T>(v: T | null | undefined): T | undefined => (v === null ? undefined : v)

export function parseVolume(raw: unknown): Volume {
  const b = raw as VolumeBody
  return {
    id: b.id,
    name: b.name ?? '',
    description: b.description ?? '',
    status: b.status,
    size: b.size,
    projectId: b['os-vol-tenant-attr:tenant_id'],
    userId: b.user_id,
    availabilityZone: opt(b.availability_zone),
    volumeType: opt(b.volume_type),
    bootable: b.bootable === true || b.bootable === 'true',
    encrypted: b.encrypted === true,
    multiattach: b.multiattach === true,
    metadata: b.metadata ?? {},
    attachments: (b.attachments ?? []).map((a) => ({
      id: a.id,
      attachmentId: a.attachment_id,
      serverId: a.server_id,
      volumeId: a.volume_id,
      device: opt(a.device),
      hostName: opt(a.host_name),
      attachedAt: parseWireTime(a.attached_at),
    })),
    snapshotId: opt(b.snapshot_id),
    sourceVolumeId: opt(b.source_volid),
    groupId: opt(b.group_id),
    host: opt(b['os-vol-host-attr:host']),
    createdAt: parseRequiredWireTime(b.created_at),
    updatedAt: parseWireTime(b.updated_at),
  }
}

