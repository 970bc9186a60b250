/** The plain-text alternative of a project's report (the multipart mail's text part, and the log). */
import { formatLimit, formatSeconds, formatTime, type ReportModel, type ResultRow } from './report-model.ts'

const label = (name: string, id: string): string => (name && name !== id ? `${name} (${id})` : id)

function results(rows: readonly ResultRow[], failed: boolean): string[] {
  if (rows.length === 0) return ['  none']
  return rows.map(
    (r) =>
      `  - ${formatTime(r.time)}  server ${label(r.serverName, r.serverId)}  volume ${label(r.volumeName, r.volumeId)}  ${r.kind}` +
      (failed ? `  ${r.outcome}: ${r.reason ?? ''}` : r.backupId ? `  backup ${r.backupId}` : ''),
  )
}

export function renderReportText(m: ReportModel): string {
  const lines = [
    `Backup report: ${m.project.name}`,
    `Project ${m.project.name} (${m.project.id}), generated ${formatTime(m.generatedAt)}`,
    `${m.succeeded.length} succeeded, ${m.failed.length} failed${m.overdue?.length ? `, ${m.overdue.length} overdue` : ''}`,
    '',
    'Backup quota',
  ]
  if (m.quota) {
    for (const q of m.quota) {
      const use = q.percent === undefined ? 'unlimited' : `${q.percent}%`
      lines.push(`  ${q.label}: ${q.inUse} in use, ${q.reserved} reserved, limit ${formatLimit(q.limit)}: ${use} [${q.level.toUpperCase()}]`)
    }
  } else lines.push(`  could not be read: ${m.quotaError ?? 'unknown error'}`)
  lines.push('', `Failed backups (${m.failed.length})`, ...results(m.failed, true))
  lines.push('', `Succeeded backups (${m.succeeded.length})`, ...results(m.succeeded, false))
  lines.push('', `Overdue (no available backup younger than ${formatSeconds(m.overdueAfterSeconds)})`)
  if (!m.overdue) lines.push(`  could not be listed: ${m.overdueError ?? 'unknown error'}`)
  else if (m.overdue.length === 0) lines.push('  none')
  else {
    for (const o of m.overdue) {
      lines.push(`  - server ${label(o.serverName, o.serverId)}  volume ${label(o.volumeName, o.volumeId)}  newest available backup: ${o.lastBackupAt ? formatTime(o.lastBackupAt) : 'never'}`)
    }
  }
  return lines.join('\n') + '\n'
}
