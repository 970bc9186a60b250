/**
 * Which snapshot holds a window when there are several (same volume, policy and window key): a total
 * order every run agrees on, whoever finishes first, so each run that sees a duplicate removes the
 * same one. The planner (plan time) and the executor (after a create) both use it.
 *
 * Order: a healthy snapshot (creating, available, …) before a failed one (error, error_deleting,
 * deleting); then the oldest `createdAt`; then the smallest id. Only immutable fields break ties among
 * healthy snapshots, so two runs never pick different survivors because one saw `creating` and the
 * other `available`.
 */
import type { SnapshotRecord } from './inventory.ts'

/** Statuses that never hold a window and never win over a healthy snapshot. */
export const FAILED_SNAPSHOT_STATUSES: readonly string[] = ['error', 'error_deleting', 'deleting']
/** Statuses Cinder accepts a (plain) delete in. */
export const DELETABLE_SNAPSHOT_STATUSES: readonly string[] = ['available', 'error']

export const isFailedSnapshot = (s: Pick<SnapshotRecord, 'status'>): boolean => FAILED_SNAPSHOT_STATUSES.includes(s.status.toLowerCase())
const isDeletable = (s: Pick<SnapshotRecord, 'status'>): boolean => DELETABLE_SNAPSHOT_STATUSES.includes(s.status.toLowerCase())

/** The survivor order: negative when `a` holds the window before `b`. */
export function compareSurvivors(a: SnapshotRecord, b: SnapshotRecord): number {
  return (
    Number(isFailedSnapshot(a)) - Number(isFailedSnapshot(b)) ||
    a.createdAt.getTime() - b.createdAt.getTime() ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  )
}

/** The window's snapshots in survivor order (the input is not mutated). */
export function survivorOrder(list: readonly SnapshotRecord[]): SnapshotRecord[] {
  return [...list].sort(compareSurvivors)
}

export interface WindowVerdict {
  readonly snapshot: SnapshotRecord
  readonly reason: string
}

export interface WindowDuplicates {
  /** The snapshot that holds the window; undefined when none is healthy. */
  readonly survivor: SnapshotRecord | undefined
  /** Duplicates to delete now: deletable, and the survivor is healthy (available for a healthy duplicate). */
  readonly remove: readonly WindowVerdict[]
  /** Duplicates to delete later: still creating, or the survivor is still creating. */
  readonly later: readonly WindowVerdict[]
}

/**
 * Splits one window's snapshots into the survivor and the duplicates. Snapshots being deleted or in
 * error_deleting are left out (healing deals with them). A healthy duplicate is deleted only once the
 * survivor is `available` (so a survivor that then fails does not leave the window empty); a
 * duplicate in `error` as soon as any healthy survivor exists.
 */
export function windowDuplicates(list: readonly SnapshotRecord[], windowKey: string): WindowDuplicates {
  const ordered = survivorOrder(list.filter((s) => !['deleting', 'error_deleting'].includes(s.status.toLowerCase())))
  const first = ordered[0]
  if (first === undefined || isFailedSnapshot(first)) return { survivor: undefined, remove: [], later: [] }
  const survivorReady = first.status.toLowerCase() === 'available'
  const remove: WindowVerdict[] = []
  const later: WindowVerdict[] = []
  for (const s of ordered.slice(1)) {
    const why = `duplicate in window ${windowKey}: ${first.id} (${first.status}) holds it (healthy first, then oldest created_at, then smallest id)`
    if (!isDeletable(s)) later.push({ snapshot: s, reason: `${why}; ${s.id} is ${s.status}, deleted once it is available or error` })
    else if (!isFailedSnapshot(s) && !survivorReady) later.push({ snapshot: s, reason: `${why}; deleted once ${first.id} is available` })
    else remove.push({ snapshot: s, reason: why })
  }
  return { survivor: first, remove, later }
}
