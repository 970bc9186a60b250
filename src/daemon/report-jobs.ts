/**
 * The daemon's report job (Staffeln's report): every `min(report_period, backup_service_period)`
 * seconds it reports each project whose oldest unreported result is `report_period` old. Several
 * daemons on one store claim each project's report (cycles/report-cycle.ts), so none is sent twice.
 */
import { workerId } from '../cycles/backup-inventory.ts'
import { runReportCycle } from '../cycles/report-cycle.ts'
import { hasProjectMembers, type ProjectMembers, type ReportRecipientSettings, type ReportRenderer, type ReportTransport } from '../domain/report.ts'
import type { StorePorts } from './daemon-ports.ts'
import type { Job } from './job-scheduler.ts'

export interface ReportJobPorts {
  readonly render: ReportRenderer
  readonly transport: ReportTransport
  readonly recipients: ReportRecipientSettings
  /** Staffeln's conductor.report_period (seconds; 0: report at every run). */
  readonly reportPeriodSeconds: number
  /** Defaults to the cloud when it can list project members (OpenStackCloud). */
  readonly members?: ProjectMembers
}

/** How often the job looks: every report_period, but at least every backup_service_period. */
export function reportJobPeriod(reportPeriodSeconds: number, backupServicePeriod: number): number {
  return Math.max(1, reportPeriodSeconds > 0 ? Math.min(reportPeriodSeconds, backupServicePeriod) : backupServicePeriod)
}

export function reportJobs(ports: StorePorts, report: ReportJobPorts, allProjects: boolean): Job[] {
  const owner = workerId()
  return [
    {
      name: 'report',
      schedule: { everySeconds: reportJobPeriod(report.reportPeriodSeconds, ports.config.conductor.backup_service_period) },
      async run(signal) {
        const cloud = await ports.openCloud()
        const members = report.members ?? (hasProjectMembers(cloud) ? cloud : undefined)
        const result = await runReportCycle(
          { ...ports, cloud, render: report.render, transport: report.transport, recipients: report.recipients, ...(members ? { members } : {}) },
          { allProjects, owner, minAgeSeconds: report.reportPeriodSeconds, signal },
        )
        const failed = result.projects.filter((p) => p.status === 'failed' || p.status === 'no_recipients')
        return failed.length ? 'completed_with_failures' : 'succeeded'
      },
    },
  ]
}
