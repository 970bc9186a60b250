import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { BackupRecord, ServerRef, VolumeRef } from '../domain/index.ts'
import { DEFAULT_BACKUP_METADATA_KEY, DEFAULT_RETENTION_METADATA_KEY, discoverBackupTargets } from './backup-discovery.ts'
import { planBackupRetention } from './backup-retention-plan.ts'
import type { RetentionTime } from './retention-time.ts'

const now = new Date('2024-05-10T12:00:00Z')
const DAY = 86400_000
const zero: RetentionTime = { years: 0, months: 0, weeks: 0, days: 0, hours: 0, minutes: 0, seconds: 0 }
const defaultRetention: RetentionTime = { ...zero, days: 7 }

function backup(id: string, volumeId: string, daysAgo: number, metadata: Record<string, string> = { __automated_backup: 'True' }): BackupRecord {
  return {
    id, volumeId, projectId: 'p1', name: id, status: 'available', sizeGb: 1,
    createdAt: new Date(now.getTime() - daysAgo * DAY), isIncremental: false, hasDependentBackups: false, metadata,
  }
}
const server = (id: string, metadata: Record<string, string>, volumeIds: string[]): ServerRef =>
  ({ id, projectId: 'p1', name: `vm-${id}`, status: 'ACTIVE', metadata, volumeIds })
const volume = (id: string): VolumeRef =>
  ({ id, projectId: 'p1', name: `vol-${id}`, status: 'in-use', sizeGb: 1, createdAt: new Date(0), metadata: {}, attachments: [], multiattach: false })

/** Two servers: s1 with the given retention value (one volume), s2 with 1d (one volume). Four full backups each, 1..40 days old. */
function plan(retentionValue: string | undefined, extra: readonly BackupRecord[] = []) {
  const discovery = discoverBackupTargets({
    servers: [
      server('s1', { __staffeln_backup: 'true', ...(retentionValue !== undefined ? { __staffeln_retention: retentionValue } : {}) }, ['v1']),
      server('s2', { __staffeln_backup: 'true', __staffeln_retention: '1d' }, ['v2']),
    ],
    volumes: [volume('v1'), volume('v2')],
    settings: { backupMetadataKey: DEFAULT_BACKUP_METADATA_KEY, retentionMetadataKey: DEFAULT_RETENTION_METADATA_KEY, defaultRetention },
  })
  const backups = [1, 10, 20, 40].flatMap((d) => [backup(`v1-${d}d`, 'v1', d), backup(`v2-${d}d`, 'v2', d)])
  return planBackupRetention({ backups: [...backups, ...extra], discovery, defaultRetention, timezone: 'UTC', now })
}
const removed = (p: ReturnType<typeof plan>) => p.flatMap((v) => v.result.remove.map((r) => r.backup.id)).sort()

for (const value of ['3000y', '', '1d2w', '20m']) {
  test(`an unreadable retention (${JSON.stringify(value)}) removes no backup of that server; other servers expire as usual`, () => {
    const p = plan(value)
    assert.deepEqual(removed(p), ['v2-10d', 'v2-20d', 'v2-40d'])
    const v1 = p.find((v) => v.volumeId === 'v1')!
    assert.equal(v1.held?.serverId, 's1')
    assert.deepEqual(v1.result.keep.map((k) => k.backup.id), ['v1-1d', 'v1-10d', 'v1-20d', 'v1-40d'])
    const old = v1.result.keep.find((k) => k.backup.id === 'v1-40d')!
    assert.match(old.reasons[0]!, /^held: server s1 \(vm-s1\) sets __staffeln_retention=.*no backup of its volumes expires until it is fixed/)
    assert.match(old.reasons[1]!, /^otherwise /)
  })
}

test('once the value is fixed, retention resumes with the server’s retention', () => {
  assert.deepEqual(removed(plan('15d')), ['v1-20d', 'v1-40d', 'v2-10d', 'v2-20d', 'v2-40d'])
  assert.deepEqual(removed(plan(undefined)), ['v1-10d', 'v1-20d', 'v1-40d', 'v2-10d', 'v2-20d', 'v2-40d'])
})

test('a volume no longer attached is held when a backup carries the held server’s id', () => {
  const detached = [backup('v9-40d', 'v9', 40, { 'x-snapwarden-managed': 'true', 'x-snapwarden-server-id': 's1' }), backup('v9-30d', 'v9', 30)]
  const p = plan('20m', detached)
  assert.equal(p.find((v) => v.volumeId === 'v9')?.held?.serverId, 's1')
  assert.deepEqual(removed(p), ['v2-10d', 'v2-20d', 'v2-40d'])
  // fixed: the detached volume falls back to retention_time
  assert.deepEqual(removed(plan('1w', detached)).filter((id) => id.startsWith('v9')), ['v9-40d'])
})
