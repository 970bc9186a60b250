import type { ScheduleKind, ScheduleWindow } from './policy.ts'

/** Phases: one short lower_snake word with one meaning everywhere. */
export const PHASES = ['pending', 'in_progress', 'succeeded', 'failed', 'skipped'] as const
export type Phase = (typeof PHASES)[number]

export interface CreateSnapshotItem {
  readonly action: 'create'
  readonly volumeId: string
  readonly projectId: string
  /** Volumes of one server share a group and are started together. */
  readonly group: string
  readonly policy: ScheduleKind
  readonly window: ScheduleWindow
  readonly name: string
  readonly description: string
  readonly metadata: Readonly<Record<string, string>>
  readonly reasons: readonly string[]
}

export interface KeepSnapshotItem {
  readonly action: 'keep'
  readonly snapshotId: string
  readonly volumeId: string
  readonly projectId: string
  readonly policy?: ScheduleKind
  readonly reasons: readonly string[]
}

export interface DeleteSnapshotItem {
  readonly action: 'delete'
  readonly snapshotId: string
  readonly volumeId: string
  readonly projectId: string
  readonly policy?: ScheduleKind
  /**
   * `expire`: retention removed it; `heal`: stuck in a transitional or error state; `duplicate`:
   * another snapshot holds its window (domain/window-survivor.ts).
   */
  readonly purpose: 'expire' | 'heal' | 'duplicate'
  /** For `duplicate`: the window key, looked up again before deleting. */
  readonly windowKey?: string
  readonly status: string
  readonly reasons: readonly string[]
}

export interface SkipItem {
  readonly action: 'skip'
  readonly volumeId: string
  readonly projectId: string
  readonly policy?: ScheduleKind
  readonly reasons: readonly string[]
}

export type SnapshotPlanItem = CreateSnapshotItem | KeepSnapshotItem | DeleteSnapshotItem | SkipItem
