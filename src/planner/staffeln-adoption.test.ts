import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { StaffelnBackupRow, StaffelnQueueRow } from '../domain/staffeln-rows.ts'
import { planStaffelnAdoption } from './staffeln-adoption.ts'

const NOW = new Date('2026-11-30T00:00:00Z')
const T = new Date('2026-11-01T02:00:00Z')
const row = (rowId: number, backupId: string | null, over: Partial<StaffelnBackupRow> = {}): StaffelnBackupRow => ({
  rowId, backupId, projectId: 'p', volumeId: 'v', instanceId: 's', backupCompleted: 1, incremental: false, createdAt: T, ...over,
})
const task = (rowId: number, backupId: string | null, backupStatus: number | null, over: Partial<StaffelnQueueRow> = {}): StaffelnQueueRow => ({
  rowId, backupId, projectId: 'p', volumeId: 'v2', volumeName: 'data', instanceId: 's', instanceName: 'web', backupStatus, incremental: true, reason: null, createdAt: T, ...over,
})

test('backup_data rows become tracked backups: kind from incremental, status from backup_completed', () => {
  const plan = planStaffelnAdoption({
    read: { backups: [row(1, 'b1'), row(2, 'b2', { incremental: true }), row(3, 'b3', { backupCompleted: 0, incremental: null, instanceId: null })], unfinishedTasks: [], finishedTasks: 0 },
    tracked: new Set(),
    now: NOW,
  })
  assert.deepEqual(plan.adopt, [
    { backupId: 'b1', volumeId: 'v', serverId: 's', projectId: 'p', kind: 'full', status: 'available', createdAt: T, completedAt: T },
    { backupId: 'b2', volumeId: 'v', serverId: 's', projectId: 'p', kind: 'incremental', status: 'available', createdAt: T, completedAt: T },
    { backupId: 'b3', volumeId: 'v', projectId: 'p', kind: 'full', status: 'error', createdAt: T },
  ])
  assert.deepEqual([plan.alreadyTracked, plan.skipped, plan.unfinished, plan.undated], [[], [], [], []])
})

test('ids the store has are left alone; unusable rows are skipped with the reason; an empty created_at takes the adoption time', () => {
  const plan = planStaffelnAdoption({
    read: {
      backups: [row(1, 'b1'), row(2, 'NULL'), row(3, ' '), row(4, 'b4', { volumeId: null }), row(5, 'b5', { projectId: '' }), row(6, 'b6', { createdAt: null })],
      unfinishedTasks: [],
      finishedTasks: 0,
    },
    tracked: new Set(['b1']),
    now: NOW,
  })
  assert.deepEqual(plan.alreadyTracked, ['b1'])
  assert.deepEqual(plan.skipped.map((s) => [s.rowId, s.reason]), [[2, 'no backup_id'], [3, 'no backup_id'], [4, 'no volume_id'], [5, 'no project_id']])
  assert.deepEqual(plan.adopt.map((b) => [b.backupId, b.createdAt]), [['b6', NOW]])
  assert.deepEqual(plan.undated, ['b6'])
})

test("unfinished tasks: none is re-created; an in-progress task's backup is adopted (creating), unless backup_data or the store has it", () => {
  const plan = planStaffelnAdoption({
    read: {
      backups: [row(1, 'b1')],
      unfinishedTasks: [task(10, 'NULL', 0), task(11, 'b9', 1), task(12, 'b1', 1), task(13, 'b7', 1), task(14, 'b8', 7, { volumeId: null })],
      finishedTasks: 3,
    },
    tracked: new Set(['b7']),
    now: NOW,
  })
  assert.deepEqual(
    plan.unfinished.map((u) => [u.row.rowId, u.state, u.action]),
    [
      [10, 'planned', 'not re-created'],
      [11, 'in progress', 'backup adopted'],
      [12, 'in progress', 'backup already tracked'],
      [13, 'in progress', 'backup already tracked'],
      [14, 'status 7', 'not re-created'],
    ],
  )
  assert.deepEqual(plan.adopt.map((b) => [b.backupId, b.volumeId, b.kind, b.status]), [['b1', 'v', 'full', 'available'], ['b9', 'v2', 'incremental', 'creating']])
  assert.deepEqual(plan.alreadyTracked, ['b7'])
  assert.deepEqual(plan.skipped.map((s) => [s.table, s.rowId, s.reason]), [['queue_data', 14, 'no volume_id']])
})
