/** What campaigns count on the simulator and in the store: snapshots per window, backups per volume, open tasks. */
import type { SimVolume, Simulator } from '../../src/simulator/index.ts'
import type { Store } from '../../src/domain/store-port.ts'

export const WINDOW_KEY = 'x-snapwarden-window'

/** Statuses of a snapshot that covers its window (as the planner counts "taken"). */
const HEALTHY = new Set(['available', 'creating'])

export interface WindowCounts {
  /** Distinct (volume, window) pairs that hold a snapshot, plus volumes that hold none. */
  readonly windows: number
  /** Windows with two or more healthy snapshots. */
  readonly duplicates: number
  /** Volumes without any healthy snapshot. */
  readonly uncovered: number
  /** Snapshots in any status but `available` (after due transitions settled). */
  readonly stuck: number
  /** One line per duplicate, uncovered volume or stuck snapshot (for assertion messages). */
  readonly details: readonly string[]
}

export function countSnapshotWindows(sim: Simulator, volumes: readonly SimVolume[]): WindowCounts {
  sim.state.settle()
  const ids = new Set(volumes.map((v) => v.id))
  const byVolume = new Map<string, { id: string; status: string; window: string; createdAt: number }[]>()
  for (const s of sim.state.snapshots.list()) {
    if (!ids.has(s.volumeId)) continue
    const list = byVolume.get(s.volumeId) ?? []
    list.push({ id: s.id, status: s.status, window: s.metadata[WINDOW_KEY] ?? '(no window key)', createdAt: s.createdAt })
    byVolume.set(s.volumeId, list)
  }
  let windows = 0
  let duplicates = 0
  let uncovered = 0
  let stuck = 0
  const details: string[] = []
  for (const v of volumes) {
    const snaps = byVolume.get(v.id) ?? []
    const healthy = snaps.filter((s) => HEALTHY.has(s.status))
    if (healthy.length === 0) {
      uncovered += 1
      windows += 1
      details.push(`volume ${v.id}: no healthy snapshot (${snaps.map((s) => `${s.id}:${s.status}`).join(', ') || 'none'})`)
    }
    const perWindow = new Map<string, typeof healthy>()
    for (const s of healthy) perWindow.set(s.window, [...(perWindow.get(s.window) ?? []), s])
    windows += perWindow.size
    for (const [window, list] of perWindow) {
      if (list.length < 2) continue
      duplicates += 1
      details.push(`volume ${v.id} window ${window}: ${list.map((s) => `${s.id} (${s.status}, created ${new Date(s.createdAt).toISOString()})`).join(', ')}`)
    }
    for (const s of snaps) {
      if (s.status === 'available') continue
      stuck += 1
      details.push(`volume ${v.id}: snapshot ${s.id} left ${s.status}`)
    }
  }
  return { windows, duplicates, uncovered, stuck, details }
}

export interface BackupCounts {
  readonly volumes: number
  /** Volumes with two or more backups (any status). */
  readonly doubles: number
  /** Volumes without a backup. */
  readonly missing: number
  readonly backups: number
  readonly details: readonly string[]
}

/** Backups per volume; with `backup_min_interval` far above the campaign's length exactly one is due per volume. */
export function countBackups(sim: Simulator, volumes: readonly SimVolume[]): BackupCounts {
  sim.state.settle()
  const ids = new Set(volumes.map((v) => v.id))
  const byVolume = new Map<string, string[]>()
  let backups = 0
  for (const b of sim.state.backups.list()) {
    if (!ids.has(b.volumeId)) continue
    backups += 1
    byVolume.set(b.volumeId, [...(byVolume.get(b.volumeId) ?? []), `${b.id} (${b.status}, ${b.name ?? ''})`])
  }
  let doubles = 0
  let missing = 0
  const details: string[] = []
  for (const v of volumes) {
    const list = byVolume.get(v.id) ?? []
    if (list.length === 0) {
      missing += 1
      details.push(`volume ${v.id}: no backup`)
    }
    if (list.length > 1) {
      doubles += 1
      details.push(`volume ${v.id}: ${list.length} backups: ${list.join(', ')}`)
    }
  }
  return { volumes: volumes.length, doubles, missing, backups, details }
}

export interface TaskCounts {
  /** Task rows of these volumes still planned or started. */
  readonly open: number
  readonly details: readonly string[]
}

/** Task rows that never reached a final state (a final state is succeeded, failed, cancelled or over_quota). */
export async function countOpenTasks(store: Store, volumes: readonly SimVolume[]): Promise<TaskCounts> {
  const ids = new Set(volumes.map((v) => v.id))
  const open = (await store.openTasks()).filter((t) => ids.has(t.volumeId))
  return {
    open: open.length,
    details: open.map((t) => `task ${t.id} of volume ${t.volumeId}: ${t.state}, owner ${t.owner ?? '-'}, attempts ${t.attempts}, backup ${t.backupId ?? t.backupName ?? '-'}`),
  }
}

/** At most `n` lines of details, for assertion messages. */
export function firstLines(details: readonly string[], n = 20): string {
  return details.slice(0, n).join('\n') + (details.length > n ? `\n… ${details.length - n} more` : '')
}
