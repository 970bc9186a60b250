import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { BackupRecord, QuotaItem, ServerRef, VolumeRef } from '../domain/index.ts'
import { backupName, planBackups, type BackupKind, type BackupPlanSettings, type BackupQuota } from './backup-plan.ts'

const now = new Date('2024-05-10T12:00:00Z')
const HOUR = 3600_000
const settings: BackupPlanSettings = { fullBackupDepth: 2, backupMinIntervalMs: HOUR }

function server(id = 's1', name = 'web'): ServerRef {
  return { id, projectId: 'p1', name, status: 'ACTIVE', metadata: { __staffeln_backup: 'true' }, volumeIds: [] }
}
function volume(id: string, over: Partial<VolumeRef> = {}): VolumeRef {
  return {
    id, projectId: 'p1', name: `vol-${id}`, status: 'in-use', sizeGb: 10, createdAt: new Date('2024-01-01T00:00:00Z'),
    metadata: {}, attachments: [], multiattach: false, ...over,
  }
}
let seq = 0
function backup(volumeId: string, hoursAgo: number, isIncremental: boolean, status = 'available'): BackupRecord {
  seq++
  return {
    id: `b${seq}`, volumeId, projectId: 'p1', name: `b${seq}`, status, sizeGb: 10, isIncremental,
    createdAt: new Date(now.getTime() - hoursAgo * HOUR), hasDependentBackups: false, metadata: {},
  }
}
const item = (limit: number, inUse = 0, reserved = 0): QuotaItem => ({ limit, inUse, reserved })
const unlimited: BackupQuota = { projectId: 'p1', backups: item(-1), backupGigabytes: item(-1) }

function plan(targets: VolumeRef[], backups: BackupRecord[], extra: Partial<Parameters<typeof planBackups>[0]> = {}) {
  return planBackups({
    targets: targets.map((v) => ({ volume: v, server: server(), projectId: v.projectId })),
    backups, openTasks: [], quotas: [unlimited], settings, now, ...extra,
  })
}

/** Plays `cycles` backup cycles one day apart with the given depth; every backup succeeds unless listed as failing. */
function kindsOverCycles(depth: number, cycles: number, failing: ReadonlySet<number> = new Set()): BackupKind[] {
  const history: BackupRecord[] = []
  const kinds: BackupKind[] = []
  for (let i = 0; i < cycles; i++) {
    const at = new Date(now.getTime() + i * 24 * HOUR)
    const result = planBackups({
      targets: [{ volume: volume('v1'), server: server(), projectId: 'p1' }], backups: history, openTasks: [],
      quotas: [unlimited], settings: { fullBackupDepth: depth, backupMinIntervalMs: HOUR }, now: at,
    })
    const task = result.tasks[0]
    assert.ok(task, `cycle ${i} planned a task`)
    kinds.push(task.kind)
    history.push({ ...backup('v1', 0, task.kind === 'incremental', failing.has(i) ? 'error' : 'available'), createdAt: at })
  }
  return kinds
}

test('full_backup_depth 0 makes every backup full', () => {
  assert.deepEqual(kindsOverCycles(0, 4), ['full', 'full', 'full', 'full'])
})

test('full_backup_depth 1 alternates full and incremental', () => {
  assert.deepEqual(kindsOverCycles(1, 5), ['full', 'incremental', 'full', 'incremental', 'full'])
})

test('full_backup_depth 2 takes two incrementals after each full', () => {
  assert.deepEqual(kindsOverCycles(2, 7), ['full', 'incremental', 'incremental', 'full', 'incremental', 'incremental', 'full'])
})

test('failed backups do not count toward the depth', () => {
  // cycle 1 (an incremental) fails, so cycle 2 is still the first good incremental after the full.
  assert.deepEqual(kindsOverCycles(1, 4, new Set([1])), ['full', 'incremental', 'incremental', 'full'])
  // cycle 0 (the full) fails, so cycle 1 is a full again.
  assert.deepEqual(kindsOverCycles(2, 2, new Set([0])), ['full', 'full'])
})

test('tasks carry Staffeln name, description, marks and force for in-use volumes', () => {
  const result = plan([volume('v1'), volume('v2', { status: 'available', name: '' })], [])
  assert.deepEqual(result.tasks.map((t) => [t.name, t.force, t.kind]), [
    ['web_vol-v1_1715342400', true, 'full'],
    ['web_v2_1715342400', false, 'full'],
  ])
  assert.equal(result.tasks[0]?.description, 'Automated backup by Snapwarden')
  assert.deepEqual(result.tasks[0]?.metadata, { __automated_backup: 'True', 'x-snapwarden-managed': 'true', 'x-snapwarden-server-id': 's1' })
})

test('backup names cut instance and volume names to 100 characters', () => {
  const name = backupName('s'.repeat(150), 'v'.repeat(150), now)
  assert.equal(name, `${'s'.repeat(100)}_${'v'.repeat(100)}_1715342400`)
})

test('a volume with an open task is skipped, and a volume listed twice is planned once', () => {
  const result = plan([volume('v1'), volume('v2'), volume('v2')], [], { openTasks: [{ volumeId: 'v1' }] })
  assert.deepEqual(result.tasks.map((t) => t.volumeId), ['v2'])
  assert.deepEqual(result.skipped.map((s) => [s.volumeId, s.reason]), [['v1', 'open_task'], ['v2', 'open_task']])
})

test('a volume whose backup is still creating is skipped as in progress', () => {
  const result = plan([volume('v1')], [backup('v1', 30, false), backup('v1', 5, true, 'creating')])
  assert.deepEqual(result.skipped.map((s) => s.reason), ['in_progress'])
})

test('a volume backed up less than backup_min_interval ago is skipped until the interval passes', () => {
  const result = plan([volume('v1'), volume('v2')], [backup('v1', 0.5, false), backup('v2', 1, false), backup('v2', 0.1, false, 'error')])
  assert.deepEqual(result.tasks.map((t) => [t.volumeId, t.kind]), [['v2', 'incremental']])
  assert.equal(result.skipped[0]?.reason, 'min_interval')
  assert.equal(result.skipped[0]?.nextEligibleAt?.toISOString(), '2024-05-10T12:30:00.000Z')
})

test('tasks beyond the backups quota (in use plus reserved plus planned) are over quota', () => {
  const quotas: BackupQuota[] = [{ projectId: 'p1', backups: item(5, 3, 1), backupGigabytes: item(-1) }]
  const result = plan([volume('v1'), volume('v2'), volume('v3')], [], { quotas })
  assert.deepEqual(result.tasks.map((t) => t.volumeId), ['v1'])
  assert.deepEqual(result.overQuota.map((o) => o.task.volumeId), ['v2', 'v3'])
  assert.match(result.overQuota[0]?.message ?? '', /backups quota/)
})

test('backup_gigabytes counts the volume size, so a smaller later volume can still fit', () => {
  const quotas: BackupQuota[] = [{ projectId: 'p1', backups: item(-1), backupGigabytes: item(30, 10, 0) }]
  const result = plan([volume('v1', { sizeGb: 15 }), volume('v2', { sizeGb: 10 }), volume('v3', { sizeGb: 5 })], [], { quotas })
  assert.deepEqual(result.tasks.map((t) => t.volumeId), ['v1', 'v3'])
  assert.deepEqual(result.overQuota.map((o) => o.task.volumeId), ['v2'])
  assert.match(result.overQuota[0]?.message ?? '', /backup_gigabytes quota/)
})

test('a project without a known quota is planned without a quota check and says so', () => {
  const result = plan([volume('v1')], [], { quotas: [] })
  assert.equal(result.tasks.length, 1)
  assert.match(result.tasks[0]?.reasons.join('; ') ?? '', /no quota known/)
})
