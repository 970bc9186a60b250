/**
 * What adopting a Staffeln installation records (pure): every `backup_data` row becomes a backup the
 * store tracks, so the protection API refuses user deletes of it (as Staffeln's API did) and
 * retention expires it chain-aware with Snapwarden's own backups. Unfinished `queue_data` tasks are
 * reported and never re-created: Snapwarden's backup cycle plans those volumes on its own schedule.
 * A task that was in progress already has a Cinder backup: that backup is adopted too (Staffeln would
 * have moved it to `backup_data` on its next check), so it is neither leaked nor left unprotected.
 */
import type { StaffelnBackupRow, StaffelnDatabaseRead, StaffelnQueueRow } from '../domain/staffeln-rows.ts'
import { STAFFELN_QUEUE_STATUS } from '../domain/staffeln-rows.ts'
import type { TrackedBackup } from '../domain/store-port.ts'

export interface StaffelnAdoptionInput {
  readonly read: StaffelnDatabaseRead
  /** Backup ids the store already has a row for (tracked or closed): never written again. */
  readonly tracked: ReadonlySet<string>
  /** When the adoption runs: the creation time of a row that has none. */
  readonly now: Date
}

export interface SkippedStaffelnRow {
  readonly table: 'backup_data' | 'queue_data'
  readonly rowId: number
  readonly backupId?: string
  readonly reason: string
}

export type UnfinishedTaskAction = 'backup adopted' | 'backup already tracked' | 'not re-created'

export interface UnfinishedStaffelnTask {
  readonly row: StaffelnQueueRow
  /** `planned`, `in progress`, or `status <n>` for a value Staffeln does not define. */
  readonly state: string
  readonly action: UnfinishedTaskAction
  readonly detail: string
}

export interface StaffelnAdoptionPlan {
  /** New rows for the store, in Staffeln's row order (`backup_data` first, then in-flight backups). */
  readonly adopt: readonly TrackedBackup[]
  /** Backup ids the store already has: left exactly as they are (re-running adds nothing). */
  readonly alreadyTracked: readonly string[]
  /** Rows that name no usable backup, volume or project: reported, not adopted. */
  readonly skipped: readonly SkippedStaffelnRow[]
  readonly unfinished: readonly UnfinishedStaffelnTask[]
  /** Rows adopted with the adoption time because Staffeln's `created_at` is empty. */
  readonly undated: readonly string[]
}

/** Staffeln writes the text `NULL` as the backup id of a task that has no backup yet. */
export function staffelnBackupId(value: string | null): string | undefined {
  const id = value?.trim()
  return id && id.toUpperCase() !== 'NULL' ? id : undefined
}

export function planStaffelnAdoption(input: StaffelnAdoptionInput): StaffelnAdoptionPlan {
  const adopt: TrackedBackup[] = []
  const alreadyTracked: string[] = []
  const skipped: SkippedStaffelnRow[] = []
  const undated: string[] = []
  const seen = new Set<string>()

  const take = (backup: TrackedBackup, dated: boolean): 'adopted' | 'tracked' => {
    seen.add(backup.backupId)
    if (input.tracked.has(backup.backupId)) {
      alreadyTracked.push(backup.backupId)
      return 'tracked'
    }
    if (!dated) undated.push(backup.backupId)
    adopt.push(backup)
    return 'adopted'
  }

  for (const row of input.read.backups) {
    const problem = rowProblem(row)
    const backupId = staffelnBackupId(row.backupId)
    if (problem || backupId === undefined) {
      skipped.push({ table: 'backup_data', rowId: row.rowId, ...(backupId ? { backupId } : {}), reason: problem ?? 'no backup_id' })
      continue
    }
    if (seen.has(backupId)) continue
    take(fromBackupRow(row, backupId, input.now), row.createdAt !== null)
  }

  const unfinished: UnfinishedStaffelnTask[] = []
  for (const row of input.read.unfinishedTasks) {
    const state = taskState(row.backupStatus)
    const backupId = staffelnBackupId(row.backupId)
    if (backupId === undefined) {
      unfinished.push({ row, state, action: 'not re-created', detail: 'no Cinder backup was created yet; the backup cycle plans this volume on its own schedule' })
      continue
    }
    if (seen.has(backupId)) {
      unfinished.push({ row, state, action: 'backup already tracked', detail: `backup ${backupId} is in backup_data` })
      continue
    }
    if (row.volumeId === null || row.volumeId === '' || row.projectId === null || row.projectId === '') {
      skipped.push({ table: 'queue_data', rowId: row.rowId, backupId, reason: row.volumeId ? 'no project_id' : 'no volume_id' })
      unfinished.push({ row, state, action: 'not re-created', detail: `backup ${backupId} names no ${row.volumeId ? 'project' : 'volume'}: not adopted` })
      continue
    }
    const result = take(fromQueueRow(row, backupId, input.now), row.createdAt !== null)
    unfinished.push({
      row,
      state,
      action: result === 'adopted' ? 'backup adopted' : 'backup already tracked',
      detail: `backup ${backupId} was ${state} when Staffeln stopped; tracked like a finished one (retention removes it if it failed)`,
    })
  }
  return { adopt, alreadyTracked, skipped, unfinished, undated }
}

function rowProblem(row: StaffelnBackupRow): string | undefined {
  if (staffelnBackupId(row.backupId) === undefined) return 'no backup_id'
  if (row.volumeId === null || row.volumeId.trim() === '') return 'no volume_id'
  if (row.projectId === null || row.projectId.trim() === '') return 'no project_id'
  return undefined
}

function fromBackupRow(row: StaffelnBackupRow, backupId: string, now: Date): TrackedBackup {
  const createdAt = row.createdAt ?? now
  // backup_completed 1: Staffeln wrote the row when it saw the backup available. 0: the follow-up row
  // of a failed or timed-out backup it still meant to delete.
  const completed = row.backupCompleted === 1
  return {
    backupId,
    volumeId: row.volumeId!.trim(),
    ...(row.instanceId ? { serverId: row.instanceId.trim() } : {}),
    projectId: row.projectId!.trim(),
    kind: row.incremental === true ? 'incremental' : 'full',
    status: completed ? 'available' : 'error',
    createdAt,
    ...(completed ? { completedAt: createdAt } : {}),
  }
}

function fromQueueRow(row: StaffelnQueueRow, backupId: string, now: Date): TrackedBackup {
  return {
    backupId,
    volumeId: row.volumeId!.trim(),
    ...(row.instanceId ? { serverId: row.instanceId.trim() } : {}),
    projectId: row.projectId!.trim(),
    kind: row.incremental === true ? 'incremental' : 'full',
    status: 'creating',
    createdAt: row.createdAt ?? now,
  }
}

function taskState(status: number | null): string {
  if (status === STAFFELN_QUEUE_STATUS.planned) return 'planned'
  if (status === STAFFELN_QUEUE_STATUS.inProgress) return 'in progress'
  return `status ${status ?? 'NULL'}`
}
