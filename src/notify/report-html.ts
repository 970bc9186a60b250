/**
 * The HTML report of one project (Staffeln's template, escaped): every value that comes from the
 * cloud or the store goes through escapeHtml, since server and volume names are user input.
 * Inline styles only: mail clients drop <style> blocks.
 */
import { escapeHtml as e } from './html-escape.ts'
import { formatLimit, formatSeconds, formatTime, type QuotaLevel, type ReportModel, type ResultRow } from './report-model.ts'

const LEVEL_STYLE: Readonly<Record<QuotaLevel, string>> = {
  green: 'background:#e6f4ea;color:#137333',
  amber: 'background:#fef7e0;color:#8a5a00',
  red: 'background:#fce8e6;color:#a50e0e',
  unlimited: 'background:#f1f3f4;color:#3c4043',
}
const OK = 'color:#137333;font-weight:bold'
const BAD = 'color:#a50e0e;font-weight:bold'
const TABLE = 'border-collapse:collapse;margin:8px 0 16px 0;font-size:14px'
const TH = 'text-align:left;padding:4px 10px;border-bottom:2px solid #dadce0;background:#f8f9fa'
const TD = 'padding:4px 10px;border-bottom:1px solid #eceff1;vertical-align:top'

const td = (content: string, style = ''): string => `<td style="${TD}${style ? `;${style}` : ''}">${content}</td>`
const th = (label: string): string => `<th style="${TH}">${e(label)}</th>`
const named = (name: string, id: string): string =>
  `${e(name || id)}<br><span style="color:#5f6368;font-size:12px">${e(id)}</span>`

function quotaTable(m: ReportModel): string {
  if (!m.quota) return `<p style="${BAD}">Quota could not be read: ${e(m.quotaError ?? 'unknown error')}</p>`
  const rows = m.quota
    .map((q) => {
      const use = q.percent === undefined ? 'unlimited' : `${q.percent}%`
      return `<tr>${td(e(q.label))}${td(e(q.inUse))}${td(e(q.reserved))}${td(e(formatLimit(q.limit)))}${td(
        `${e(use)} (${e(q.level)})`,
        `${LEVEL_STYLE[q.level]};font-weight:bold`,
      )}</tr>`
    })
    .join('\n')
  return `<table style="${TABLE}"><tr>${th('Quota')}${th('In use')}${th('Reserved')}${th('Limit')}${th('Used')}</tr>\n${rows}\n</table>`
}

function resultTable(rows: readonly ResultRow[], failed: boolean): string {
  if (rows.length === 0) return `<p>None.</p>`
  const head = `<tr>${th('Server')}${th('Volume')}${th('Time')}${th('Kind')}${th(failed ? 'Outcome' : 'Backup')}${failed ? th('Reason') : ''}</tr>`
  const body = rows
    .map((r) => {
      const outcome = failed ? td(e(r.outcome), BAD) : td(r.backupId ? e(r.backupId) : '', OK)
      return `<tr>${td(named(r.serverName, r.serverId))}${td(named(r.volumeName, r.volumeId))}${td(e(formatTime(r.time)))}${td(e(r.kind))}${outcome}${
        failed ? td(e(r.reason ?? '')) : ''
      }</tr>`
    })
    .join('\n')
  return `<table style="${TABLE}">${head}\n${body}\n</table>`
}

function overdueTable(m: ReportModel): string {
  if (!m.overdue) return `<p style="${BAD}">Overdue volumes could not be listed: ${e(m.overdueError ?? 'unknown error')}</p>`
  if (m.overdue.length === 0) return `<p style="${OK}">None: every tagged volume has an available backup younger than ${e(formatSeconds(m.overdueAfterSeconds))}.</p>`
  const body = m.overdue
    .map((o) => `<tr>${td(named(o.serverName, o.serverId))}${td(named(o.volumeName, o.volumeId))}${td(o.lastBackupAt ? e(formatTime(o.lastBackupAt)) : 'never', BAD)}</tr>`)
    .join('\n')
  return (
    `<p>Tagged volumes with no available backup younger than ${e(formatSeconds(m.overdueAfterSeconds))}:</p>` +
    `<table style="${TABLE}"><tr>${th('Server')}${th('Volume')}${th('Newest available backup')}</tr>\n${body}\n</table>`
  )
}

export function renderReportHtml(m: ReportModel): string {
  const h2 = 'font-size:17px;margin:20px 0 4px 0'
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${e(m.subject)}</title></head>
<body style="font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#202124;margin:16px">
<h1 style="font-size:21px;margin:0 0 4px 0">Backup report: ${e(m.project.name)}</h1>
<p style="color:#5f6368;margin:0 0 12px 0">Project ${e(m.project.name)} (<code>${e(m.project.id)}</code>), generated ${e(formatTime(m.generatedAt))}:
<span style="${OK}">${e(m.succeeded.length)} succeeded</span>, <span style="${m.failed.length ? BAD : OK}">${e(m.failed.length)} failed</span>${
    m.overdue?.length ? `, <span style="${BAD}">${e(m.overdue.length)} overdue</span>` : ''
  }.</p>
<h2 style="${h2}">Backup quota</h2>
${quotaTable(m)}
<h2 style="${h2}">Failed backups</h2>
${resultTable(m.failed, true)}
<h2 style="${h2}">Succeeded backups</h2>
${resultTable(m.succeeded, false)}
<h2 style="${h2}">Overdue</h2>
${overdueTable(m)}
<p style="color:#5f6368;font-size:12px;margin-top:24px">Sent by Snapwarden. Each backup result is reported once.</p>
</body>
</html>
`
}
