import type { BackupRecord, BlockStorageQuota, QuotaItem } from '../domain/index.ts'
import type { BackupTarget } from './backup-discovery.ts'
import { BACKUP_DESCRIPTION, BACKUP_MARKS, byCreatedAsc, GOOD_BACKUP_STATUSES, RECENT_BACKUP_STATUSES } from './backup-marks.ts'

/**
 * Which backups to create this cycle, as Staffeln decides them:
 * - one open task per volume (a volume with an unfinished task, or a backup still `creating`, waits);
 * - `backup_min_interval`: skip a volume whose newest available-or-in-progress backup is younger;
 * - `full_backup_depth`: full when there is no available full yet, when depth is 0 (or negative), or
 *   when `depth` available incrementals already follow the newest available full; else incremental.
 *   Only available backups count; failed ones are not links of a chain. Every backup of the volume
 *   counts (not only ours): Cinder bases an incremental on the newest available backup, whoever made it.
 * - quota: tasks are charged in order against `backups` (1 each) and `backup_gigabytes` (volume size,
 *   also for incrementals, as Cinder reserves it); one that would exceed a limit (-1 = unlimited) is
 *   returned in `overQuota`, is not sent to Cinder, and does not consume quota.
 */
export interface BackupPlanSettings {
  /** Staffeln's `full_backup_depth`: incrementals after each full (0 = always full). */
  readonly fullBackupDepth: number
  /** Staffeln's `backup_min_interval`, in milliseconds. */
  readonly backupMinIntervalMs: number
}

export interface OpenBackupTask {
  readonly volumeId: string
}

export type BackupQuota = Pick<BlockStorageQuota, 'projectId' | 'backups' | 'backupGigabytes'>

export type BackupKind = 'full' | 'incremental'

export interface BackupTask {
  readonly volumeId: string
  readonly serverId: string
  readonly projectId: string
  readonly kind: BackupKind
  /** Cinder's `force`: needed to back up an in-use volume. */
  readonly force: boolean
  readonly sizeGb: number
  readonly name: string
  readonly description: string
  /** Requires Cinder microversion 3.43 or later; the description marks the backup without it. */
  readonly metadata: Readonly<Record<string, string>>
  readonly reasons: readonly string[]
}

export interface OverQuotaBackup {
  readonly task: BackupTask
  readonly message: string
}

export const BACKUP_PLAN_SKIPS = ['open_task', 'in_progress', 'min_interval'] as const
export type BackupPlanSkipReason = (typeof BACKUP_PLAN_SKIPS)[number]

export interface BackupPlanSkip {
  readonly volumeId: string
  readonly serverId: string
  readonly projectId: string
  readonly reason: BackupPlanSkipReason
  readonly message: string
  /** For `min_interval`: when the volume may be backed up again. */
  readonly nextEligibleAt?: Date
}

export interface BackupPlan {
  readonly tasks: readonly BackupTask[]
  readonly overQuota: readonly OverQuotaBackup[]
  readonly skipped: readonly BackupPlanSkip[]
}

export function planBackups(input: {
  readonly targets: readonly Pick<BackupTarget, 'volume' | 'server' | 'projectId'>[]
  readonly backups: readonly BackupRecord[]
  readonly openTasks: readonly OpenBackupTask[]
  readonly quotas: readonly BackupQuota[]
  readonly settings: BackupPlanSettings
  readonly now: Date
}): BackupPlan {
  const { settings, now } = input
  const open = new Set(input.openTasks.map((t) => t.volumeId))
  const byVolume = groupByVolume(input.backups)
  const usage = new Map(input.quotas.map((q) => [q.projectId, { quota: q, count: 0, gigabytes: 0 }]))
  const tasks: BackupTask[] = []
  const overQuota: OverQuotaBackup[] = []
  const skipped: BackupPlanSkip[] = []

  for (const { volume, server, projectId } of input.targets) {
    const skip = (reason: BackupPlanSkipReason, message: string, nextEligibleAt?: Date): void => {
      skipped.push({ volumeId: volume.id, serverId: server.id, projectId, reason, message, ...(nextEligibleAt ? { nextEligibleAt } : {}) })
    }
    if (open.has(volume.id)) {
      skip('open_task', `volume ${volume.id} already has an open backup task`)
      continue
    }
    open.add(volume.id)
    const history = byVolume.get(volume.id) ?? []
    const recent = history.filter((b) => RECENT_BACKUP_STATUSES.includes(b.status)).at(-1)
    if (recent?.status === 'creating') {
      skip('in_progress', `backup ${recent.id} of volume ${volume.id} is still creating`)
      continue
    }
    if (recent && now.getTime() - recent.createdAt.getTime() < settings.backupMinIntervalMs) {
      const next = new Date(recent.createdAt.getTime() + settings.backupMinIntervalMs)
      skip('min_interval', `backup ${recent.id} of volume ${volume.id} was created at ${recent.createdAt.toISOString()}, less than backup_min_interval (${settings.backupMinIntervalMs / 1000}s) ago`, next)
      continue
    }
    const { kind, reason } = chooseKind(history, settings.fullBackupDepth)
    const task: BackupTask = {
      volumeId: volume.id,
      serverId: server.id,
      projectId,
      kind,
      force: volume.status === 'in-use',
      sizeGb: volume.sizeGb,
      name: backupName(server.name, volume.name || volume.id, now),
      description: BACKUP_DESCRIPTION,
      metadata: { [BACKUP_MARKS.automated]: 'True', [BACKUP_MARKS.managed]: 'true', [BACKUP_MARKS.serverId]: server.id },
      reasons: [reason],
    }
    const u = usage.get(projectId)
    if (!u) {
      tasks.push({ ...task, reasons: [...task.reasons, `no quota known for project ${projectId}; not checked`] })
      continue
    }
    const over = exceeds('backups', u.quota.backups, u.count, 1) ?? exceeds('backup_gigabytes', u.quota.backupGigabytes, u.gigabytes, volume.sizeGb)
    if (over) {
      overQuota.push({ task, message: `backup of volume ${volume.id} would exceed the ${over} of project ${projectId}` })
      continue
    }
    u.count += 1
    u.gigabytes += volume.sizeGb
    tasks.push(task)
  }
  return { tasks, overQuota, skipped }
}

/** Staffeln's name: `{instance}_{volume}_{epoch seconds}`, parts cut to 100 characters, all to 255. */
export function backupName(serverName: string, volumeName: string, now: Date): string {
  return `${serverName.slice(0, 100)}_${volumeName.slice(0, 100)}_${Math.floor(now.getTime() / 1000)}`.slice(0, 255)
}

/** Full or incremental, from the volume's backups (oldest first), counting only available ones. */
export function chooseKind(history: readonly BackupRecord[], depth: number): { kind: BackupKind; reason: string } {
  if (depth <= 0) return { kind: 'full', reason: 'full: full_backup_depth is 0 (always full)' }
  const good = history.filter((b) => GOOD_BACKUP_STATUSES.includes(b.status))
  let incrementals = 0
  for (let i = good.length - 1; i >= 0; i--) {
    const b = good[i]!
    if (!b.isIncremental) {
      if (incrementals >= depth) {
        return { kind: 'full', reason: `full: ${incrementals} incremental(s) since full ${b.id} reached full_backup_depth ${depth}` }
      }
      return { kind: 'incremental', reason: `incremental ${incrementals + 1} of ${depth} after full ${b.id}` }
    }
    incrementals++
  }
  return { kind: 'full', reason: 'full: no available full backup to base an incremental on' }
}

function exceeds(name: string, item: QuotaItem, planned: number, add: number): string | undefined {
  if (item.limit < 0) return undefined
  const used = item.inUse + item.reserved + planned
  return used + add > item.limit ? `${name} quota (limit ${item.limit}, in use ${item.inUse}, reserved ${item.reserved}, planned ${planned}, needs ${add})` : undefined
}

function groupByVolume(backups: readonly BackupRecord[]): Map<string, BackupRecord[]> {
  const out = new Map<string, BackupRecord[]>()
  for (const b of [...backups].sort(byCreatedAsc)) {
    const list = out.get(b.volumeId)
    if (list) list.push(b)
    else out.set(b.volumeId, [b])
  }
  return out
}
