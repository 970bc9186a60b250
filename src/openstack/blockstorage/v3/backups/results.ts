import { parseRequiredWireTime, parseWireTime } from '../../../core/wire-time.ts'

export interface Backup {
  readonly id: string
  readonly name: string
  readonly description: string
  readonly status: string
  readonly size: number
  readonly volumeId: string
  readonly snapshotId: string | undefined
  /** `os-backup-project-attr:project_id`. Requires microversion 3.18 or later. */
  readonly projectId: string | undefined
  /** Requires microversion 3.56 or later. */
  readonly userId: string | undefined
  readonly isIncremental: boolean
  readonly hasDependentBackups: boolean
  readonly container: string | undefined
  readonly availabilityZone: string | undefined
  readonly objectCount: number
  readonly failReason: string | undefined
  /** Requires microversion 3.43 or later. */
  readonly metadata: Readonly<Record<string, string>>
  readonly dataTimestamp: Date | undefined
  readonly createdAt: Date
  readonly updatedAt: Date | undefined
}

interface BackupBody {
  id: string
  name: string | null
  description?: string | null
  status?: string
  size?: number
  volume_id?: string
  snapshot_id?: string | null
  'os-backup-project-attr:project_id'?: string
  user_id?: string
  is_incremental?: boolean
  has_dependent_backups?: boolean
  container?: string | null
  availability_zone?: string | null
  object_count?: number | null
  fail_reason?: string | null
  metadata?: Record<string, string> | null
  data_timestamp?: string | null
  created_at?: string
  updated_at?: string | null
}

/** What a create answers (Cinder returns only `id`, `name` and `links`); get() has the rest. */
export interface CreatedBackup {
  readonly id: string
  readonly name: string
}

export function parseCreatedBackup(raw: unknown): CreatedBackup {
  const b = raw as { id: string; name?: string | null }
  return { id: b.id, name: b.name ?? '' }
}

export function parseBackup(raw: unknown): Backup {
  const b = raw as BackupBody
  return {
    id: b.id,
    name: b.name ?? '',
    description: b.description ?? '',
    status: b.status ?? 'creating',
    size: b.size ?? 0,
    volumeId: b.volume_id ?? '',
    snapshotId: b.snapshot_id ?? undefined,
    projectId: b['os-backup-project-attr:project_id'],
    userId: b.user_id,
    isIncremental: b.is_incremental === true,
    hasDependentBackups: b.has_dependent_backups === true,
    container: b.container ?? undefined,
    availabilityZone: b.availability_zone ?? undefined,
    objectCount: b.object_count ?? 0,
    failReason: b.fail_reason ?? undefined,
    metadata: b.metadata ?? {},
    dataTimestamp: parseWireTime(b.data_timestamp),
    createdAt: parseRequiredWireTime(b.created_at),
    updatedAt: parseWireTime(b.updated_at),
  }
}
