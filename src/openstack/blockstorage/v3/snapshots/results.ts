import { metadataSharing, stringSharing } from '../../../core/metadata.ts'
import { parseRequiredWireTime, parseWireTime } from '../../../core/wire-time.ts'

export interface Snapshot {
  readonly id: string
  readonly name: string
  readonly description: string
  readonly status: string
  readonly size: number
  readonly volumeId: string
  /** `os-extended-snapshot-attributes:project_id`. */
  readonly projectId: string | undefined
  /** Requires microversion 3.41 or later. */
  readonly userId: string | undefined
  /** `os-extended-snapshot-attributes:progress`, e.g. "100%". */
  readonly progress: string | undefined
  readonly metadata: Readonly<Record<string, string>>
  readonly groupSnapshotId: string | undefined
  readonly createdAt: Date
  readonly updatedAt: Date | undefined
}

interface SnapshotBody {
  id: string
  name: string | null
  description: string | null
  status: string
  size: number
  volume_id: string
  'os-extended-snapshot-attributes:project_id'?: string
  'os-extended-snapshot-attributes:progress'?: string | null
  user_id?: string
  metadata?: Record<string, string> | null
  group_snapshot_id?: string | null
  created_at: string
  updated_at?: string | null
}

/** The `volume_id` of a snapshot as a listing page has it (before parseSnapshot); '' when absent. */
export function volumeIdOf(raw: unknown): string {
  const id = (raw as Partial<SnapshotBody> | null)?.volume_id
  return typeof id === 'string' ? id : ''
}

/** Shares what consecutive snapshots of a listing repeat (core/metadata.ts); none for one snapshot. */
export interface SnapshotSharing {
  readonly metadata: (m: Record<string, string>) => Readonly<Record<string, string>>
  readonly projectId: (id: string) => string
}

/** A listing's parser: the snapshots it parses share equal metadata objects and project ids. */
export function sharingSnapshotParser(): (raw: unknown) => Snapshot {
  const sharing: SnapshotSharing = { metadata: metadataSharing(), projectId: stringSharing() }
  return (raw) => parseSnapshot(raw, sharing)
}

export function parseSnapshot(raw: unknown, sharing?: SnapshotSharing): Snapshot {
  const b = raw as SnapshotBody
  const projectId = b['os-extended-snapshot-attributes:project_id']
  const metadata = b.metadata ?? {}
  return {
    id: b.id,
    name: b.name ?? '',
    description: b.description ?? '',
    status: b.status,
    size: b.size,
    volumeId: b.volume_id,
    projectId: sharing !== undefined && typeof projectId === 'string' ? sharing.projectId(projectId) : projectId,
    userId: b.user_id,
    progress: b['os-extended-snapshot-attributes:progress'] ?? undefined,
    metadata: sharing !== undefined ? sharing.metadata(metadata) : metadata,
    groupSnapshotId: b.group_snapshot_id ?? undefined,
    createdAt: parseRequiredWireTime(b.created_at),
    updatedAt: parseWireTime(b.updated_at),
  }
}

