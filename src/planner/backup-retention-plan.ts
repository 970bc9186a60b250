/**
 * The retention plan for every volume's backups: each volume's retention (its server's, or the
 * default), applied chain-aware by applyBackupRetention, except where discovery holds the volume
 * (its server's backup metadata cannot be read): there nothing is removed, and what would have been
 * is kept with the hold's reason. Pure.
 */
import type { BackupRecord, RetentionTiers } from '../domain/index.ts'
import type { BackupDiscovery, RetentionHold } from './backup-discovery.ts'
import { BACKUP_MARKS } from './backup-marks.ts'
import { applyBackupRetention, type BackupRetentionResult, type KeptBackup } from './backup-retention.ts'
import { retentionCutoff, type RetentionTime } from './retention-time.ts'

export interface BackupRetentionPlanInput {
  /** Backups of any number of volumes. Not mutated. */
  readonly backups: readonly BackupRecord[]
  readonly discovery: Pick<BackupDiscovery, 'targets' | 'holds'>
  /** `retention_time`, for volumes that are no target. */
  readonly defaultRetention: RetentionTime
  readonly keepCount?: number
  readonly tiers?: RetentionTiers
  readonly timezone: string
  readonly now: Date
  /**
   * Which backups retention may remove; defaults to isManagedBackup (our marks, Staffeln's, our
   * description). The retention cycle adds the backups the store tracks (adopted from Staffeln, which
   * marked nothing).
   */
  readonly isManaged?: (backup: BackupRecord) => boolean
}

export interface VolumeRetentionPlan {
  readonly volumeId: string
  readonly result: BackupRetentionResult
  /** Set when the volume's backups are held: nothing of it is removed. */
  readonly held?: RetentionHold
}

const newestFirst = (a: KeptBackup, b: KeptBackup): number =>
  b.backup.createdAt.getTime() - a.backup.createdAt.getTime() || (a.backup.id < b.backup.id ? -1 : a.backup.id > b.backup.id ? 1 : 0)

/** The hold of a volume: by the server it is attached to, or by a backup marked with a held server's id. */
function holdOf(volumeId: string, backups: readonly BackupRecord[], holds: readonly RetentionHold[]): RetentionHold | undefined {
  return holds.find((h) => h.volumeIds.includes(volumeId) || backups.some((b) => b.metadata[BACKUP_MARKS.serverId] === h.serverId))
}

/** Per volume (sorted by id): what retention keeps and removes, and why. */
export function planBackupRetention(input: BackupRetentionPlanInput): VolumeRetentionPlan[] {
  const retentionOf = new Map(input.discovery.targets.map((t) => [t.volume.id, t.retention]))
  const byVolume = new Map<string, BackupRecord[]>()
  for (const b of input.backups) byVolume.set(b.volumeId, [...(byVolume.get(b.volumeId) ?? []), b])
  const out: VolumeRetentionPlan[] = []
  for (const [volumeId, list] of [...byVolume].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const retention = retentionOf.get(volumeId) ?? input.defaultRetention
    const result = applyBackupRetention({
      backups: list,
      retentionCutoff: retentionCutoff(retention, input.now, input.timezone),
      ...(input.keepCount !== undefined ? { keepCount: input.keepCount } : {}),
      ...(input.tiers !== undefined ? { tiers: input.tiers } : {}),
      timezone: input.timezone,
      now: input.now,
      ...(input.isManaged ? { isManaged: input.isManaged } : {}),
    })
    const held = holdOf(volumeId, list, input.discovery.holds)
    if (!held) {
      out.push({ volumeId, result })
      continue
    }
    const keep = [...result.keep, ...result.remove.map((r) => ({ backup: r.backup, reasons: [held.reason, `otherwise ${r.reasons.join('; ')}`] }))]
    out.push({ volumeId, held, result: { ...result, keep: keep.sort(newestFirst), remove: [] } })
  }
  return out
}
