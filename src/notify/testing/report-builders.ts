/** Builders of report inputs for the notify tests (and the screenshot script's example). */
import type { ProjectReportInput } from '../../domain/report.ts'
import type { BackupTask } from '../../domain/store-port.ts'

const AT = new Date('2026-03-10T12:00:00Z')

export function aTask(over: Partial<BackupTask> = {}): BackupTask {
  return {
    id: 't-1',
    cycleId: 'c-1',
    projectId: 'p-1',
    serverId: 'srv-1',
    serverName: 'web',
    volumeId: 'vol-1',
    volumeName: 'root',
    kind: 'full',
    state: 'succeeded',
    plannedAt: AT,
    finishedAt: new Date(AT.getTime() + 60_000),
    backupId: 'bk-1',
    attempts: 1,
    reported: false,
    ...over,
  }
}

export function anInput(over: Partial<ProjectReportInput> = {}): ProjectReportInput {
  const item = (inUse: number, limit: number) => ({ inUse, reserved: 0, limit })
  return {
    project: { id: 'p-1', name: 'demo' },
    generatedAt: AT,
    quota: { projectId: 'p-1', backups: item(3, 10), backupGigabytes: item(60, 100), snapshots: item(0, 10), gigabytes: item(0, 10), volumes: item(0, 10) },
    tasks: [aTask()],
    overdue: [],
    overdueAfterSeconds: 5700,
    ...over,
  }
}
