import type { BackupRecord } from '../domain/index.ts'

/**
 * The marks Snapwarden puts on the backups it creates, and how it recognises its own (and Staffeln's)
 * backups. Metadata on backups needs Cinder microversion 3.43 or later; the description always works,
 * so a backup is also recognised by its description when the listing carries no metadata.
 */
export const BACKUP_MARKS = {
  /** Staffeln's mark; its API (and a Cinder policy using it) refuses user deletes of such backups. */
  automated: '__automated_backup',
  managed: 'x-snapwarden-managed',
  serverId: 'x-snapwarden-server-id',
} as const

export const BACKUP_DESCRIPTION = 'Automated backup by Snapwarden'

/** True for backups Snapwarden (or Staffeln before it) created; only those are ever removed by retention. */
export function isManagedBackup(backup: Pick<BackupRecord, 'metadata' | 'description'>): boolean {
  const md = backup.metadata
  return (
    md[BACKUP_MARKS.managed]?.toLowerCase() === 'true' ||
    md[BACKUP_MARKS.automated]?.toLowerCase() === 'true' ||
    backup.description === BACKUP_DESCRIPTION
  )
}

/**
 * Cinder backup statuses by what they mean to the planner:
 * - `available`: a good copy (and, restoring, it still is one);
 * - `failed`: no usable data (`error`) or a delete that failed (`error_deleting`); never a parent of a
 *   later incremental, never a good copy, removable;
 * - everything else (`creating`, `deleting`, `restoring`, unknown) is transitional: left alone.
 */
export const GOOD_BACKUP_STATUSES: readonly string[] = ['available', 'restoring']
export const FAILED_BACKUP_STATUSES: readonly string[] = ['error', 'error_deleting']
/** Statuses that count as "a backup was taken recently" for the minimum interval. */
export const RECENT_BACKUP_STATUSES: readonly string[] = ['available', 'restoring', 'creating']

export type BackupStatusClass = 'available' | 'failed' | 'transitional'

export function classifyBackupStatus(status: string): BackupStatusClass {
  if (status === 'available') return 'available'
  if (FAILED_BACKUP_STATUSES.includes(status)) return 'failed'
  return 'transitional'
}

/** Oldest first; ties by id, so every ordering in the planner is deterministic. */
export function byCreatedAsc(a: BackupRecord, b: BackupRecord): number {
  return a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}
