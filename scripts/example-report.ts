// Renders an example per-project report (the one docs/images/report-example.png shows) to the file
// named by the first argument, or to stdout. Run by scripts/report-screenshot.sh.
import { writeFileSync } from 'node:fs'
import type { ProjectReportInput } from '../src/domain/report.ts'
import type { BackupTask } from '../src/domain/store-port.ts'
import { reportRenderer } from '../src/notify/report-renderer.ts'

const at = (iso: string): Date => new Date(iso)
let n = 0
const task = (over: Partial<BackupTask>): BackupTask => ({
  id: `task-${++n}`,
  cycleId: 'cycle-1',
  projectId: '1f0c3e0c9f8a4e44a3f7e2d1b6c5a4f3',
  serverId: '6d1c2a9e-0b1f-4c3e-9a51-3f2d7c8b9e01',
  serverName: 'web-1',
  volumeId: 'c9a4e2b1-7d3f-4e8a-b6c5-2f1e0d9c8b7a',
  volumeName: 'web-1-root',
  kind: 'incremental',
  state: 'succeeded',
  plannedAt: at('2026-03-10T02:00:00Z'),
  finishedAt: at('2026-03-10T02:04:12Z'),
  backupId: '0e7f3a2c-5b1d-4f6e-8a9c-1d2b3c4e5f60',
  attempts: 1,
  reported: false,
  ...over,
})

const input: ProjectReportInput = {
  project: { id: '1f0c3e0c9f8a4e44a3f7e2d1b6c5a4f3', name: 'demo' },
  generatedAt: at('2026-03-11T02:00:00Z'),
  quota: {
    projectId: '1f0c3e0c9f8a4e44a3f7e2d1b6c5a4f3',
    backups: { inUse: 41, reserved: 2, limit: 50 },
    backupGigabytes: { inUse: 610, reserved: 20, limit: 1000 },
    snapshots: { inUse: 0, reserved: 0, limit: 10 },
    gigabytes: { inUse: 0, reserved: 0, limit: 1000 },
    volumes: { inUse: 0, reserved: 0, limit: 10 },
  },
  tasks: [
    task({ kind: 'full' }),
    task({ serverName: 'db-1', serverId: 'a3b4c5d6-e7f8-4a9b-8c7d-6e5f4a3b2c1d', volumeName: 'db-1-data', volumeId: '5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9', finishedAt: at('2026-03-10T02:09:40Z'), backupId: '7a8b9c0d-1e2f-4a3b-9c4d-5e6f7a8b9c0d' }),
    task({ serverName: '<script>alert(1)</script>', serverId: 'f1e2d3c4-b5a6-4978-8695-a4b3c2d1e0f9', volumeName: 'data "1" & <b>logs</b>', volumeId: '2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e', finishedAt: at('2026-03-10T02:05:03Z'), backupId: '3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f' }),
    task({ serverName: 'db-2', serverId: 'b4c5d6e7-f8a9-4b0c-9d1e-2f3a4b5c6d7e', volumeName: 'db-2-data', volumeId: '8c9d0e1f-2a3b-4c4d-9e5f-6a7b8c9d0e1f', state: 'failed', finishedAt: at('2026-03-10T02:11:27Z'), errorCode: 'OS_RESOURCE_FAILED', errorMessage: 'backup 9d0e1f2a went to error: Volume backup failed: ceph pool full' }),
    task({ serverName: 'batch-7', serverId: 'c5d6e7f8-a9b0-4c1d-8e2f-3a4b5c6d7e8f', volumeName: 'batch-7-scratch', volumeId: '0e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a4b', state: 'cancelled', kind: 'full', finishedAt: at('2026-03-10T02:35:00Z'), errorCode: 'EXEC_CANCELLED', errorMessage: 'backup still creating after backup_cycle_timeout 30min; deleted' }),
  ],
  overdue: [
    { volumeId: '0e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a4b', volumeName: 'batch-7-scratch', serverId: 'c5d6e7f8-a9b0-4c1d-8e2f-3a4b5c6d7e8f', serverName: 'batch-7', lastBackupAt: at('2026-03-07T02:31:10Z') },
  ],
  overdueAfterSeconds: 86400 + 1800 + 1800,
}

const html = reportRenderer({ amberPercent: 50, redPercent: 80 })(input).html
if (process.argv[2]) writeFileSync(process.argv[2], html)
else process.stdout.write(html)
