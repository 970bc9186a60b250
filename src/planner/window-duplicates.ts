/**
 * Duplicates at plan time: snapshots of one volume and policy that carry the same window key
 * (`x-snapwarden-window`; SnapSentry's snapshots carry none and are left alone). In each window
 * the survivor order (domain/window-survivor.ts) picks the one that stays; a duplicate that is
 * deletable is planned for deletion, one that is not yet is left for a later run. This cleans up
 * what overlapping runs, crashes and late-landing creates left behind, whoever runs next.
 */
import type { SnapshotRecord } from '../domain/inventory.ts'
import { windowDuplicates, type WindowVerdict } from '../domain/window-survivor.ts'
import type { SnapshotMarks } from './snapshot-metadata.ts'

export interface WindowDuplicate extends WindowVerdict {
  readonly windowKey: string
}

export interface PlannedDuplicates {
  /** To delete now (purpose `duplicate`). */
  readonly remove: readonly WindowDuplicate[]
  /** Duplicates not deletable yet (still creating, or their survivor is): kept with the reason. */
  readonly later: readonly WindowDuplicate[]
  /** Ids of both lists: they are not counted by retention. */
  readonly ids: ReadonlySet<string>
}

/** `snapshots`: one volume's snapshots of one policy, without those healed in this plan. */
export function findWindowDuplicates(snapshots: readonly SnapshotRecord[], marksOf: (s: SnapshotRecord) => SnapshotMarks): PlannedDuplicates {
  if (snapshots.length < 2) return NONE
  const byWindow = new Map<string, SnapshotRecord[]>()
  for (const s of snapshots) {
    const marks = marksOf(s)
    if (marks.source !== 'snapwarden' || marks.windowKey === undefined) continue
    const list = byWindow.get(marks.windowKey)
    if (list) list.push(s)
    else byWindow.set(marks.windowKey, [s])
  }
  if (byWindow.size === snapshots.length) return NONE // one snapshot per window: no duplicate (the usual case)
  const remove: WindowDuplicate[] = []
  const later: WindowDuplicate[] = []
  for (const [windowKey, list] of byWindow) {
    if (list.length < 2) continue
    const verdict = windowDuplicates(list, windowKey)
    remove.push(...verdict.remove.map((v) => ({ ...v, windowKey })))
    later.push(...verdict.later.map((v) => ({ ...v, windowKey })))
  }
  if (remove.length === 0 && later.length === 0) return NONE
  return { remove, later, ids: new Set([...remove, ...later].map((d) => d.snapshot.id)) }
}

/** No duplicate (shared, read-only). */
export const NO_DUPLICATES: PlannedDuplicates = Object.freeze({ remove: [], later: [], ids: new Set<string>() })
const NONE = NO_DUPLICATES
