import type { BackupRecord, RetentionTiers } from '../domain/index.ts'
import { byCreatedAsc, classifyBackupStatus, GOOD_BACKUP_STATUSES, isManagedBackup } from './backup-marks.ts'
import { selectByTiers } from './retention-tiers.ts'
import { holdReason } from '../domain/hold.ts'

/**
 * Backup retention, chain-aware (Staffeln's rules plus restic's count and tiers):
 *
 * - A chain is a full backup and the incrementals after it (oldest first) up to the next full. A full
 *   that failed (`error`, `error_deleting`) or is `deleting` holds no data to build on, so it does not
 *   start a chain; incrementals before any full form an orphan chain.
 * - An incremental depends on the newest earlier backup of its chain that holds data (Cinder bases it
 *   on the newest available backup); failed, `creating` and `deleting` ones are never parents.
 * - Keep rules (a union): created at or after `retentionCutoff`; the newest `keepCount` available
 *   (negative = all); the `tiers` (restic `forget`). Count and tiers look only at available backups.
 * - Never touched: backups not made by Snapwarden/Staffeln (no mark) and backups in transitional
 *   states (`creating`, `deleting`, `restoring`, unknown). They still take part in chains: a kept
 *   user incremental keeps our full.
 * - Closure: the parent of every kept incremental is kept ("parent of kept incremental <id>"; also
 *   while the child is still `deleting`, as Cinder would refuse), and a backup Cinder says has
 *   dependents is kept when none of them is in the listing.
 * - Last good copy: when no available managed backup of a volume would remain, the newest one and its
 *   chain up to it are kept.
 * - `remove` is ordered newest first, so children are deleted before their parents (as Staffeln).
 */
export interface BackupRetentionInput {
  /** Backups of one volume (several volumes are handled each on its own). Not mutated. */
  readonly backups: readonly BackupRecord[]
  /** Backups created strictly before this instant are expired (see retentionCutoff()). */
  readonly retentionCutoff: Date
  readonly keepCount?: number
  readonly tiers?: RetentionTiers
  /** Zone for the tiers' calendar buckets. */
  readonly timezone: string
  readonly now: Date
  /** Which backups retention may remove; defaults to isManagedBackup. */
  readonly isManaged?: (backup: BackupRecord) => boolean
}

export interface KeptBackup {
  readonly backup: BackupRecord
  readonly reasons: readonly string[]
}

export interface RemovedBackup {
  readonly backup: BackupRecord
  readonly reasons: readonly string[]
}

export interface BackupChain {
  readonly volumeId: string
  /** The full the chain starts with; undefined for an orphan chain of incrementals. */
  readonly fullId: string | undefined
  /** Oldest first. */
  readonly backupIds: readonly string[]
}

export interface BackupRetentionResult {
  /** Newest first. */
  readonly keep: readonly KeptBackup[]
  /** Newest first: delete in this order so no parent goes before its children. */
  readonly remove: readonly RemovedBackup[]
  readonly chains: readonly BackupChain[]
}

const isFailed = (b: BackupRecord): boolean => classifyBackupStatus(b.status) === 'failed'
/** Failed, `creating` and `deleting` backups are never the base of a later incremental. */
const canBeParent = (b: BackupRecord): boolean => !isFailed(b) && b.status !== 'deleting' && b.status !== 'creating'

/** Groups backups (any order) into chains per volume, oldest first. */
export function backupChains(backups: readonly BackupRecord[]): BackupRecord[][] {
  const chains: BackupRecord[][] = []
  const current = new Map<string, BackupRecord[]>()
  for (const b of [...backups].sort(byCreatedAsc)) {
    let chain = current.get(b.volumeId)
    if (!chain || (!b.isIncremental && canBeParent(b))) {
      chain = []
      chains.push(chain)
      current.set(b.volumeId, chain)
    }
    chain.push(b)
  }
  return chains
}

export function applyBackupRetention(input: BackupRetentionInput): BackupRetentionResult {
  const isManaged = input.isManaged ?? isManagedBackup
  const cutoff = Math.min(input.retentionCutoff.getTime(), input.now.getTime())
  const chains = backupChains(input.backups)
  const kept = new Map<BackupRecord, string[]>()
  const keep = (b: BackupRecord, reason: string): void => {
    const reasons = kept.get(b)
    if (!reasons) kept.set(b, [reason])
    else if (!reasons.includes(reason)) reasons.push(reason)
  }

  // 1. Keep rules, on each backup by itself.
  const removable: BackupRecord[] = []
  for (const b of input.backups) {
    const cls = classifyBackupStatus(b.status)
    const held = holdReason(b.metadata)
    if (held) keep(b, held)
    if (!isManaged(b)) keep(b, 'not made by Snapwarden or Staffeln; never removed')
    else if (held) continue
    else if (cls === 'transitional') keep(b, `in ${b.status} state; retention leaves it alone`)
    else if (b.createdAt.getTime() >= cutoff) keep(b, `within retention time (created at or after ${iso(cutoff)})`)
    else removable.push(b)
  }
  const available = input.backups.filter((b) => isManaged(b) && b.status === 'available')
  for (const volume of groupBy(available, (b) => b.volumeId).values()) {
    const count = input.keepCount ?? 0
    const newest = [...volume].sort(byCreatedAsc).reverse()
    const n = count < 0 ? newest.length : Math.min(count, newest.length)
    newest.slice(0, n).forEach((b, i) => keep(b, `keep-count (${i + 1}/${count < 0 ? 'all' : count})`))
    if (input.tiers) {
      for (const [b, reasons] of selectByTiers(volume, (x) => x.createdAt, input.tiers, input.timezone)) {
        for (const r of reasons) keep(b, r)
      }
    }
  }

  // 2. Safety: Cinder knows of dependents we do not see.
  for (const chain of chains) {
    for (const [i, b] of chain.entries()) {
      if (b.hasDependentBackups && !chain.slice(i + 1).some((later) => !isFailed(later))) {
        keep(b, 'Cinder reports dependent backups that are not in the listing')
      }
    }
  }

  // 3. Closure over chains, then the last good copy of each volume (and closure again).
  keepParents(chains, kept, keep)
  for (const [volumeId, volume] of groupBy(available, (b) => b.volumeId)) {
    const good = [...kept.keys()].some((b) => b.volumeId === volumeId && isManaged(b) && GOOD_BACKUP_STATUSES.includes(b.status))
    const newest = [...volume].sort(byCreatedAsc).at(-1)
    if (!good && newest) keep(newest, 'last good copy of the volume; never removed')
  }
  keepParents(chains, kept, keep)

  const newestFirst = (a: BackupRecord, b: BackupRecord): number => byCreatedAsc(b, a)
  return {
    keep: [...kept].sort(([a], [b]) => newestFirst(a, b)).map(([backup, reasons]) => ({ backup, reasons })),
    remove: removable
      .filter((b) => !kept.has(b))
      .sort(newestFirst)
      .map((backup) => ({ backup, reasons: [removeReason(backup, cutoff, input)] })),
    chains: chains.map((c) => ({
      volumeId: c[0]!.volumeId,
      fullId: c[0]!.isIncremental ? undefined : c[0]!.id,
      backupIds: c.map((b) => b.id),
    })),
  }
}

/** Walks each chain newest to oldest: a kept incremental (not failed) keeps its parent. */
function keepParents(
  chains: readonly BackupRecord[][],
  kept: ReadonlyMap<BackupRecord, string[]>,
  keep: (b: BackupRecord, reason: string) => void,
): void {
  for (const chain of chains) {
    for (let i = chain.length - 1; i > 0; i--) {
      const child = chain[i]!
      if (!kept.has(child) || !child.isIncremental || isFailed(child)) continue
      const parent = chain.slice(0, i).findLast(canBeParent)
      if (!parent) continue
      // Cinder refuses to delete a backup whose child is still being deleted: wait for a later cycle.
      if (child.status === 'deleting') keep(parent, `parent of incremental ${child.id} that is still deleting; removed in a later cycle`)
      else keep(parent, `parent of kept incremental ${child.id}`)
    }
  }
}

function removeReason(b: BackupRecord, cutoff: number, input: BackupRetentionInput): string {
  const failed = classifyBackupStatus(b.status) === 'failed'
  const what = failed ? `failed backup (${b.status})` : 'backup'
  const rules = [input.keepCount ? 'keep-count' : '', input.tiers ? 'tiers' : ''].filter(Boolean).join(' or ')
  const also = rules && !failed ? `, not kept by ${rules}` : ''
  return `${what} expired: created ${b.createdAt.toISOString()}, before the retention cutoff ${iso(cutoff)}${also}`
}

const iso = (ms: number): string => new Date(ms).toISOString()

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>()
  for (const item of items) {
    const list = out.get(key(item))
    if (list) list.push(item)
    else out.set(key(item), [item])
  }
  return out
}
