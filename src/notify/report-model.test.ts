import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { buildReportModel, formatSeconds, quotaLevel, STAFFELN_THRESHOLDS } from './report-model.ts'
import { aTask, anInput } from './testing/report-builders.ts'

describe('quota colours', () => {
  const cases: [string, { inUse: number; reserved: number; limit: number }, string, number | undefined][] = [
    ['below amber is green', { inUse: 49, reserved: 0, limit: 100 }, 'green', 49],
    ['exactly amber is amber', { inUse: 50, reserved: 0, limit: 100 }, 'amber', 50],
    ['reserved counts as used', { inUse: 40, reserved: 40, limit: 100 }, 'red', 80],
    ['just below red is amber', { inUse: 79, reserved: 0, limit: 100 }, 'amber', 79],
    ['over the limit is red', { inUse: 12, reserved: 0, limit: 10 }, 'red', 120],
    ['-1 is unlimited, no percentage', { inUse: 500, reserved: 0, limit: -1 }, 'unlimited', undefined],
    ['a zero limit with nothing used is green', { inUse: 0, reserved: 0, limit: 0 }, 'green', 0],
    ['a zero limit with something used is red', { inUse: 1, reserved: 0, limit: 0 }, 'red', 100],
  ]
  for (const [name, item, level, percent] of cases) {
    test(name, () => assert.deepEqual(quotaLevel(item, STAFFELN_THRESHOLDS), { level, ...(percent !== undefined ? { percent } : {}) }))
  }
  test('thresholds are configurable', () => {
    assert.equal(quotaLevel({ inUse: 60, reserved: 0, limit: 100 }, { amberPercent: 70, redPercent: 95 }).level, 'green')
    assert.equal(quotaLevel({ inUse: 96, reserved: 0, limit: 100 }, { amberPercent: 70, redPercent: 95 }).level, 'red')
  })
})

describe('report model', () => {
  test('succeeded apart from failed, cancelled and over-quota, each failure with its reason', () => {
    const m = buildReportModel(
      anInput({
        tasks: [
          aTask({ id: 'ok' }),
          aTask({ id: 'bad', state: 'failed', backupId: 'bk-2', errorCode: 'OS_RESOURCE_FAILED', errorMessage: 'backup bk-2 went to error' }),
          aTask({ id: 'slow', state: 'cancelled', errorCode: 'EXEC_CANCELLED', errorMessage: 'timed out after 5min' }),
          aTask({ id: 'full', state: 'over_quota', errorCode: 'EXEC_OVER_QUOTA', errorMessage: 'backups quota 10 reached' }),
        ],
      }),
    )
    assert.deepEqual(m.succeeded.map((r) => r.taskId), ['ok'])
    assert.deepEqual(
      m.failed.map((r) => [r.taskId, r.outcome, r.reason]),
      [
        ['bad', 'failed', 'OS_RESOURCE_FAILED: backup bk-2 went to error'],
        ['slow', 'cancelled', 'EXEC_CANCELLED: timed out after 5min'],
        ['full', 'over_quota', 'EXEC_OVER_QUOTA: backups quota 10 reached'],
      ],
    )
    assert.deepEqual(m.taskIds, ['ok', 'bad', 'slow', 'full'])
    assert.equal(m.subject, 'Backup report for demo: 1 succeeded, 3 failed')
  })

  test('the subject is one line even when the project name holds a line break', () => {
    const m = buildReportModel(anInput({ project: { id: 'p', name: 'evil\r\nBcc: x@example.org' }, overdue: [{ volumeId: 'v', volumeName: 'v', serverId: 's', serverName: 's' }] }))
    assert.equal(m.subject, 'Backup report for evil Bcc: x@example.org: 1 succeeded, 0 failed, 1 overdue')
  })

  test('backups and backup gigabytes quota rows; an unreadable quota is carried as its error', () => {
    const m = buildReportModel(anInput())
    assert.deepEqual(m.quota?.map((q) => [q.resource, q.inUse, q.limit, q.percent, q.level]), [
      ['backups', 3, 10, 30, 'green'],
      ['backup_gigabytes', 60, 100, 60, 'amber'],
    ])
    const { quota: _q, ...noQuota } = anInput()
    const broken = buildReportModel({ ...noQuota, quotaError: { code: 'OS_FORBIDDEN', message: 'not allowed' } })
    assert.equal(broken.quota, undefined)
    assert.equal(broken.quotaError, 'OS_FORBIDDEN: not allowed')
  })

  test('durations read as days, hours and minutes', () => {
    assert.equal(formatSeconds(5700), '1h 35min')
    assert.equal(formatSeconds(90061), '1d 1h 1min 1s')
    assert.equal(formatSeconds(0), '0s')
  })
})
