/**
 * The report model: a project's report input turned into rows to show (pure; both renderers read
 * it). Quota colours follow Staffeln's scale with configurable thresholds: use (in use + reserved)
 * below `amberPercent` of the limit is green, below `redPercent` amber, from it on red; a limit of
 * -1 is unlimited (no colour), a limit of 0 with anything in use is red.
 */
import type { QuotaItem } from '../domain/inventory.ts'
import type { OverdueVolume, ProjectReportInput, ReportProject } from '../domain/report.ts'
import type { BackupTask, TaskOutcome } from '../domain/store-port.ts'

export const QUOTA_LEVELS = ['green', 'amber', 'red', 'unlimited'] as const
export type QuotaLevel = (typeof QUOTA_LEVELS)[number]

export interface QuotaThresholds {
  /** Use at or above this percentage of the limit is amber. */
  readonly amberPercent: number
  /** Use at or above this percentage of the limit is red. */
  readonly redPercent: number
}

export const STAFFELN_THRESHOLDS: QuotaThresholds = { amberPercent: 50, redPercent: 80 }

export interface QuotaRow {
  readonly resource: 'backups' | 'backup_gigabytes'
  readonly label: string
  readonly inUse: number
  readonly reserved: number
  /** -1: unlimited. */
  readonly limit: number
  /** (in use + reserved) / limit, in percent, rounded to one decimal; undefined when unlimited. */
  readonly percent?: number
  readonly level: QuotaLevel
}

export interface ResultRow {
  readonly taskId: string
  readonly outcome: TaskOutcome
  readonly kind: string
  readonly serverId: string
  readonly serverName: string
  readonly volumeId: string
  readonly volumeName: string
  /** When the task finished (planned time if it never did). */
  readonly time: Date
  readonly backupId?: string
  /** `CODE: message` for a task that did not succeed. */
  readonly reason?: string
}

export interface ReportModel {
  readonly project: ReportProject
  readonly generatedAt: Date
  readonly subject: string
  readonly quota?: readonly QuotaRow[]
  readonly quotaError?: string
  readonly succeeded: readonly ResultRow[]
  /** Failed, cancelled (timed out) and over-quota tasks. */
  readonly failed: readonly ResultRow[]
  readonly overdue?: readonly OverdueVolume[]
  readonly overdueError?: string
  readonly overdueAfterSeconds: number
  /** Ids of the tasks this report covers (marked reported once it went out). */
  readonly taskIds: readonly string[]
}

export function quotaLevel(item: QuotaItem, t: QuotaThresholds): { level: QuotaLevel; percent?: number } {
  if (item.limit < 0) return { level: 'unlimited' }
  const used = item.inUse + item.reserved
  if (item.limit === 0) return { level: used > 0 ? 'red' : 'green', percent: used > 0 ? 100 : 0 }
  const percent = Math.round((used / item.limit) * 1000) / 10
  return { level: percent >= t.redPercent ? 'red' : percent >= t.amberPercent ? 'amber' : 'green', percent }
}

function quotaRow(resource: QuotaRow['resource'], label: string, item: QuotaItem, t: QuotaThresholds): QuotaRow {
  const { level, percent } = quotaLevel(item, t)
  return { resource, label, inUse: item.inUse, reserved: item.reserved, limit: item.limit, level, ...(percent !== undefined ? { percent } : {}) }
}

function resultRow(t: BackupTask): ResultRow {
  const outcome = t.state as TaskOutcome
  const reason = outcome === 'succeeded' ? undefined : t.errorCode || t.errorMessage ? `${t.errorCode ?? 'ERROR'}: ${t.errorMessage ?? ''}`.trim() : outcome
  return {
    taskId: t.id,
    outcome,
    kind: t.kind,
    serverId: t.serverId,
    serverName: t.serverName,
    volumeId: t.volumeId,
    volumeName: t.volumeName,
    time: t.finishedAt ?? t.startedAt ?? t.plannedAt,
    ...(t.backupId !== undefined ? { backupId: t.backupId } : {}),
    ...(reason !== undefined ? { reason } : {}),
  }
}

/** One line, no control characters (it becomes a mail header). */
function oneLine(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim()
}

export function buildReportModel(input: ProjectReportInput, thresholds: QuotaThresholds = STAFFELN_THRESHOLDS): ReportModel {
  const rows = input.tasks.filter((t) => t.state !== 'planned' && t.state !== 'started').map(resultRow)
  const succeeded = rows.filter((r) => r.outcome === 'succeeded')
  const failed = rows.filter((r) => r.outcome !== 'succeeded')
  const overdueCount = input.overdue?.length ?? 0
  const subject = oneLine(
    `Backup report for ${input.project.name}: ${succeeded.length} succeeded, ${failed.length} failed` +
      (overdueCount ? `, ${overdueCount} overdue` : ''),
  )
  return {
    project: input.project,
    generatedAt: input.generatedAt,
    subject,
    ...(input.quota
      ? {
          quota: [
            quotaRow('backups', 'Backups', input.quota.backups, thresholds),
            quotaRow('backup_gigabytes', 'Backup gigabytes', input.quota.backupGigabytes, thresholds),
          ],
        }
      : {}),
    ...(input.quotaError ? { quotaError: `${input.quotaError.code}: ${input.quotaError.message}` } : {}),
    succeeded,
    failed,
    ...(input.overdue ? { overdue: input.overdue } : {}),
    ...(input.overdueError ? { overdueError: `${input.overdueError.code}: ${input.overdueError.message}` } : {}),
    overdueAfterSeconds: input.overdueAfterSeconds,
    taskIds: rows.map((r) => r.taskId),
  }
}

/** `2026-03-10 12:00:05 UTC`. */
export function formatTime(d: Date): string {
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`
}

/** `1d 2h 30min` from seconds. */
export function formatSeconds(total: number): string {
  const parts: string[] = []
  let s = Math.max(0, Math.round(total))
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['min', 60], ['s', 1]] as const) {
    const n = Math.floor(s / size)
    if (n > 0) parts.push(`${n}${unit}`)
    s -= n * size
  }
  return parts.length ? parts.join(' ') : '0s'
}

export function formatLimit(limit: number): string {
  return limit < 0 ? 'unlimited' : String(limit)
}
