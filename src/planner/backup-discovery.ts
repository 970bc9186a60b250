import type { ServerRef, VolumeRef } from '../domain/index.ts'
import { parseRetentionTime, RETENTION_TIME_ACCEPTED, type RetentionTime } from './retention-time.ts'

/**
 * Which volumes to back up, as Staffeln finds them: servers whose metadata sets the backup key to
 * `true` (compared case-insensitively after trimming, exactly like Staffeln's `.lower() == "true"`;
 * `yes`/`1` do NOT enable it, but are reported as a problem so the typo is seen), and their
 * attached Cinder volumes.
 *
 * A volume opts out with `x-snapwarden-backup-skip=true` or Staffeln's older `skip-volume-backup=true`
 * in its own metadata (case-insensitive `true`). Only `available` and `in-use` volumes can be backed
 * up; others are reported as skipped (the conductor reports them, it does not fail every cycle).
 * A volume attached to several backed-up servers is backed up once, for the server with the smallest
 * id (deterministic), with the longest of their retentions.
 *
 * A value that cannot be read never deletes anything: a server whose retention key is invalid
 * (`3000y`, `""`, `1d2w`, `20m`) or whose backup key is neither true nor false is a problem, and
 * every backup of its volumes (all of them, opted out or not, and backups marked with its id) is held
 * from retention until the value is fixed (`holds`). Backups are still taken for a server whose only
 * problem is its retention value.
 */
export const DEFAULT_BACKUP_METADATA_KEY = '__staffeln_backup'
export const DEFAULT_RETENTION_METADATA_KEY = '__staffeln_retention'
export const VOLUME_SKIP_METADATA_KEYS = ['x-snapwarden-backup-skip', 'skip-volume-backup'] as const
export const BACKUP_VOLUME_STATUSES: readonly string[] = ['available', 'in-use']

export interface BackupDiscoverySettings {
  /** Staffeln's `backup_metadata_key`. */
  readonly backupMetadataKey: string
  /** Staffeln's `retention_metadata_key`. */
  readonly retentionMetadataKey: string
  /** Staffeln's `retention_time`, used when a server sets no retention (an invalid one holds its backups instead). */
  readonly defaultRetention: RetentionTime
}

export interface BackupTarget {
  readonly volume: VolumeRef
  readonly server: ServerRef
  readonly projectId: string
  readonly retention: RetentionTime
  readonly retentionSource: 'server' | 'default'
  readonly reasons: readonly string[]
}

export const BACKUP_DISCOVERY_SKIPS = ['volume_status', 'volume_opt_out', 'volume_not_found'] as const
export type BackupDiscoverySkipReason = (typeof BACKUP_DISCOVERY_SKIPS)[number]

export interface BackupDiscoverySkip {
  readonly volumeId: string
  readonly serverId: string
  readonly projectId: string
  readonly reason: BackupDiscoverySkipReason
  readonly message: string
}

/** A wrong metadata value on a server: names the server, the key, the value and what is accepted. */
export interface BackupDiscoveryProblem {
  readonly serverId: string
  readonly projectId: string
  readonly key: string
  readonly value: string
  readonly accepted: string
  readonly message: string
}

/** Backups retention must not delete: those of a server whose backup metadata cannot be read. */
export interface RetentionHold {
  readonly serverId: string
  readonly projectId: string
  /** Every volume attached to the server. Backups marked with the server's id are held as well. */
  readonly volumeIds: readonly string[]
  readonly key: string
  readonly value: string
  /** Shown on each held backup. */
  readonly reason: string
}

export interface BackupDiscovery {
  readonly targets: readonly BackupTarget[]
  readonly skipped: readonly BackupDiscoverySkip[]
  readonly problems: readonly BackupDiscoveryProblem[]
  readonly holds: readonly RetentionHold[]
}

const isTrue = (v: string | undefined): boolean => v?.trim().toLowerCase() === 'true'

export function discoverBackupTargets(input: {
  readonly servers: readonly ServerRef[]
  readonly volumes: readonly VolumeRef[]
  readonly settings: BackupDiscoverySettings
}): BackupDiscovery {
  const { settings } = input
  const volumes = new Map(input.volumes.map((v) => [v.id, v]))
  const servers = [...input.servers].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  const byVolume = new Map<string, BackupTarget>()
  const skipped = new Map<string, BackupDiscoverySkip>()
  const problems: BackupDiscoveryProblem[] = []
  const holds: RetentionHold[] = []
  const hold = (server: ServerRef, key: string, value: string): void => {
    holds.push({
      serverId: server.id, projectId: server.projectId, volumeIds: [...server.volumeIds], key, value,
      reason: `held: server ${server.id} (${server.name}) sets ${key}=${JSON.stringify(value)}, which cannot be read; no backup of its volumes expires until it is fixed`,
    })
  }

  for (const server of servers) {
    const flag = server.metadata[settings.backupMetadataKey]
    if (flag === undefined || !isTrue(flag)) {
      if (flag !== undefined && flag.trim().toLowerCase() !== 'false') {
        problems.push({
          serverId: server.id, projectId: server.projectId, key: settings.backupMetadataKey, value: flag,
          accepted: 'true or false (case-insensitive)',
          message: `server ${server.id} (${server.name}) sets ${settings.backupMetadataKey}='${flag}'; only 'true' enables backups, so it is not backed up, and no backup of its volumes expires until the value is fixed; accepted: true or false (case-insensitive)`,
        })
        hold(server, settings.backupMetadataKey, flag)
      }
      continue
    }
    const { retention, source, invalid } = serverRetention(server, settings, problems)
    if (invalid !== undefined) hold(server, settings.retentionMetadataKey, invalid)
    for (const volumeId of server.volumeIds) {
      const volume = volumes.get(volumeId)
      const skip = (reason: BackupDiscoverySkipReason, message: string): void => {
        if (!byVolume.has(volumeId) && !skipped.has(volumeId)) {
          skipped.set(volumeId, { volumeId, serverId: server.id, projectId: volume?.projectId ?? server.projectId, reason, message })
        }
      }
      if (!volume) {
        skip('volume_not_found', `volume ${volumeId} attached to server ${server.id} is not in the volume listing`)
        continue
      }
      const optOut = VOLUME_SKIP_METADATA_KEYS.find((k) => isTrue(volume.metadata[k]))
      if (optOut) {
        skip('volume_opt_out', `volume ${volumeId} opts out of backups (${optOut}=true)`)
        continue
      }
      if (!BACKUP_VOLUME_STATUSES.includes(volume.status)) {
        skip('volume_status', `volume ${volumeId} is not backed up because it is in ${volume.status} status (only available and in-use can be)`)
        continue
      }
      const existing = byVolume.get(volumeId)
      if (existing) {
        byVolume.set(volumeId, mergeShared(existing, server, retention, source))
        continue
      }
      byVolume.set(volumeId, {
        volume, server, projectId: volume.projectId, retention, retentionSource: source,
        reasons: [`attached to server ${server.id} (${server.name}) with ${settings.backupMetadataKey}=true`],
      })
    }
  }
  return { targets: [...byVolume.values()], skipped: [...skipped.values()], problems, holds }
}

function serverRetention(
  server: ServerRef,
  settings: BackupDiscoverySettings,
  problems: BackupDiscoveryProblem[],
): { retention: RetentionTime; source: 'server' | 'default'; invalid?: string } {
  const value = server.metadata[settings.retentionMetadataKey]
  if (value === undefined) return { retention: settings.defaultRetention, source: 'default' }
  const parsed = parseRetentionTime(value)
  if (parsed.ok) return { retention: parsed.value, source: 'server' }
  problems.push({
    serverId: server.id, projectId: server.projectId, key: settings.retentionMetadataKey, value,
    accepted: RETENTION_TIME_ACCEPTED,
    message:
      `server ${server.id} (${server.name}): ${settings.retentionMetadataKey}=${JSON.stringify(value)} cannot be read: ${parsed.message}; ` +
      `accepted: ${RETENTION_TIME_ACCEPTED}; its volumes are still backed up, but no backup of its volumes expires until the value is fixed`,
  })
  return { retention: settings.defaultRetention, source: 'default', invalid: value }
}

/** Rough length of a retention, only to pick the longer of two. */
function approxSeconds(r: RetentionTime): number {
  return ((r.years * 366 + r.months * 31 + r.weeks * 7 + r.days) * 24 + r.hours) * 3600 + r.minutes * 60 + r.seconds
}

function mergeShared(t: BackupTarget, server: ServerRef, retention: RetentionTime, source: 'server' | 'default'): BackupTarget {
  const longer = approxSeconds(retention) > approxSeconds(t.retention)
  return {
    ...t,
    retention: longer ? retention : t.retention,
    retentionSource: longer ? source : t.retentionSource,
    reasons: [...t.reasons, `also attached to server ${server.id} (${server.name}); backed up once`],
  }
}
