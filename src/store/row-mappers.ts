import type { Insertable, Selectable } from 'kysely'
import type { BackupKind, BackupTask, RunRecord, TaskState, TrackedBackup } from '../domain/store-port.ts'
import type { BackupsTable, BackupTasksTable, RunsTable } from './schema.ts'

/** Epoch ms from the driver (a number; PostgreSQL BIGINT could arrive as a string) → Date. */
export function toDate(value: number | string): Date {
  return new Date(Number(value))
}

function optDate(value: number | string | null): Date | undefined {
  return value === null ? undefined : toDate(value)
}

function opt<T>(value: T | null): T | undefined {
  return value === null ? undefined : value
}

/** Copies only defined optional fields, so results compare cleanly with deepEqual. */
function compact<T extends object>(obj: T): T {
  const out: Partial<T> = {}
  for (const k in obj) if (obj[k] !== undefined) out[k] = obj[k]
  return out as T
}

export function toBackupTask(row: Selectable<BackupTasksTable>): BackupTask {
  return compact<BackupTask>({
    id: row.id,
    cycleId: row.cycle_id,
    projectId: row.project_id,
    serverId: row.server_id,
    serverName: row.server_name,
    volumeId: row.volume_id,
    volumeName: row.volume_name,
    kind: row.kind as BackupKind,
    state: row.state as TaskState,
    backupName: opt(row.backup_name),
    backupId: opt(row.backup_id),
    parentBackupId: opt(row.parent_backup_id),
    plannedAt: toDate(row.planned_at),
    startedAt: optDate(row.started_at),
    finishedAt: optDate(row.finished_at),
    deadlineAt: optDate(row.deadline_at),
    owner: opt(row.owner),
    leaseExpiresAt: optDate(row.lease_expires_at),
    attempts: Number(row.attempts),
    errorCode: opt(row.error_code),
    errorMessage: opt(row.error_message),
    reported: Number(row.reported) === 1,
  })
}

export function toTrackedBackup(row: Selectable<BackupsTable>): TrackedBackup {
  return compact<TrackedBackup>({
    backupId: row.backup_id,
    volumeId: row.volume_id,
    serverId: opt(row.server_id),
    projectId: row.project_id,
    name: opt(row.name),
    kind: row.kind as BackupKind,
    parentBackupId: opt(row.parent_backup_id),
    status: row.status,
    createdAt: toDate(row.created_at),
    completedAt: optDate(row.completed_at),
    deletedAt: optDate(row.deleted_at),
    retentionSource: opt(row.retention_source),
    taskId: opt(row.task_id),
  })
}

export function toRunRecord(row: Selectable<RunsTable>): RunRecord {
  return compact<RunRecord>({
    id: row.id,
    kind: row.kind,
    startedAt: toDate(row.started_at),
    finishedAt: optDate(row.finished_at),
    exitStatus: row.exit_status === null ? undefined : Number(row.exit_status),
    summary: JSON.parse(row.summary) as Record<string, unknown>,
  })
}

/** The row of a tracked backup (the inverse of toTrackedBackup). */
export function toBackupRow(b: TrackedBackup): Insertable<BackupsTable> {
  return {
    backup_id: b.backupId,
    volume_id: b.volumeId,
    server_id: b.serverId ?? null,
    project_id: b.projectId,
    name: b.name ?? null,
    kind: b.kind,
    parent_backup_id: b.parentBackupId ?? null,
    status: b.status,
    created_at: b.createdAt.getTime(),
    completed_at: b.completedAt ? b.completedAt.getTime() : null,
    deleted_at: b.deletedAt ? b.deletedAt.getTime() : null,
    retention_source: b.retentionSource ?? null,
    task_id: b.taskId ?? null,
  }
}
