/** Wire types of openstack/ → domain types. */
import type { BackupRecord, ServerRef, SnapshotRecord, VolumeRef } from '../domain/inventory.ts'
import type { Backup } from '../openstack/blockstorage/v3/backups/results.ts'
import type { Snapshot } from '../openstack/blockstorage/v3/snapshots/results.ts'
import type { Volume } from '../openstack/blockstorage/v3/volumes/results.ts'
import type { Server } from '../openstack/compute/v2/servers/results.ts'

export function toVolumeRef(v: Volume, fallbackProjectId: string): VolumeRef {
  return {
    id: v.id,
    projectId: v.projectId ?? fallbackProjectId,
    name: v.name,
    status: v.status,
    sizeGb: v.size,
    createdAt: v.createdAt,
    metadata: v.metadata,
    attachments: v.attachments.flatMap((a) => (a.serverId ? [{ serverId: a.serverId, ...(a.device ? { device: a.device } : {}) }] : [])),
    multiattach: v.multiattach,
  }
}

export function toSnapshotRecord(s: Snapshot, fallbackProjectId: string): SnapshotRecord {
  return {
    id: s.id,
    volumeId: s.volumeId,
    projectId: s.projectId ?? fallbackProjectId,
    name: s.name,
    status: s.status,
    sizeGb: s.size,
    createdAt: s.createdAt,
    ...(s.updatedAt ? { updatedAt: s.updatedAt } : {}),
    metadata: s.metadata,
  }
}

export function toBackupRecord(b: Backup, fallbackProjectId: string): BackupRecord {
  return {
    id: b.id,
    volumeId: b.volumeId,
    projectId: b.projectId ?? fallbackProjectId,
    name: b.name,
    description: b.description,
    status: b.status,
    sizeGb: b.size,
    createdAt: b.createdAt,
    ...(b.updatedAt ? { updatedAt: b.updatedAt } : {}),
    isIncremental: b.isIncremental,
    hasDependentBackups: b.hasDependentBackups,
    ...(b.snapshotId ? { snapshotId: b.snapshotId } : {}),
    metadata: b.metadata,
  }
}

export function toServerRef(s: Server, fallbackProjectId: string): ServerRef {
  return {
    id: s.id,
    projectId: s.projectId ?? fallbackProjectId,
    name: s.name,
    status: s.status,
    metadata: s.metadata,
    volumeIds: s.volumeIds,
  }
}
