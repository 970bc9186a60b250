/** Wire types of openstack/ → domain types. */
import type { BackupRecord, ServerRef, SnapshotRecord, VolumeRef } from '../domain/inventory.ts'
import type { CreateSnapshotRequest } from '../domain/ports.ts'
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

/**
 * The record of a snapshot just created, as toSnapshotRecord makes it, except that where Cinder's
 * answer repeats what was sent (volume, project, name, the metadata as a whole) the sent value is
 * used: the same strings, and the answer's copies are not kept while the create is waited on
 * (thousands of creates wait for a listing round at once). Anything the answer says otherwise is
 * the answer's.
 */
export function toCreatedSnapshotRecord(s: Snapshot, req: CreateSnapshotRequest): SnapshotRecord {
  return {
    id: s.id,
    volumeId: s.volumeId === req.volumeId ? req.volumeId : s.volumeId,
    projectId: s.projectId === undefined || s.projectId === req.projectId ? req.projectId : s.projectId,
    name: s.name === req.name ? req.name : s.name,
    status: s.status,
    sizeGb: s.size,
    createdAt: s.createdAt,
    ...(s.updatedAt ? { updatedAt: s.updatedAt } : {}),
    metadata: samePairs(s.metadata, req.metadata) ? req.metadata : s.metadata,
  }
}

function samePairs(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a)
  if (keys.length !== Object.keys(b).length) return false
  for (const k of keys) if (!Object.hasOwn(b, k) || a[k] !== b[k]) return false
  return true
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
