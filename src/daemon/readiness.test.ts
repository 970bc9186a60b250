import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { JobState } from './job-scheduler.ts'
import { readiness } from './readiness.ts'

const checkedAt = new Date('2026-01-01T00:00:00Z')
const job = (over: Partial<JobState> = {}): JobState => ({
  name: 'create',
  running: false,
  consecutiveFailures: 0,
  runs: 0,
  overruns: 0,
  ...over,
})

test('the daemon is ready when the cloud answered at the last attempt, the store answers and every job completed its last run', () => {
  const r = readiness({ cloud: { ok: true, checkedAt }, store: { ok: true, checkedAt }, jobs: [job({ runs: 1, lastOutcome: 'succeeded' })] })
  assert.equal(r.ready, true)
  assert.deepEqual(r.reasons, [])
})

test('a job whose runs completed with per-item failures or invalid metadata leaves the daemon ready', () => {
  const last = new Date('2026-01-01T00:10:00Z')
  const r = readiness({
    cloud: { ok: true, checkedAt },
    jobs: [job({ runs: 5, lastOutcome: 'completed_with_failures', lastCompletion: last, consecutiveFailures: 0 })],
  })
  assert.equal(r.ready, true, r.reasons.join('; '))
  assert.equal(r.jobs[0]?.lastCompletion, '2026-01-01T00:10:00.000Z')
})

test('an unreachable cloud, an unusable store and a job that could not complete are each given as a reason', () => {
  const r = readiness({
    cloud: { ok: false, checkedAt, error: 'OS_NETWORK: connection refused' },
    store: { ok: false, checkedAt, error: 'STORE_UNAVAILABLE: database is locked' },
    jobs: [
      job({ consecutiveFailures: 1, lastOutcome: 'failed', lastError: { code: 'OS_NETWORK', message: 'fetch failed' } }),
      job({ name: 'expire', consecutiveFailures: 3, lastOutcome: 'failed', lastError: { code: 'EXEC_RETRIES_EXHAUSTED', message: 'gave up' } }),
    ],
  })
  assert.equal(r.ready, false)
  assert.deepEqual(r.reasons, [
    'the cloud was unreachable at the last attempt (2026-01-01T00:00:00.000Z): OS_NETWORK: connection refused',
    'the store is not usable (2026-01-01T00:00:00.000Z): STORE_UNAVAILABLE: database is locked',
    'job create could not complete its last run (OS_NETWORK: fetch failed)',
    'job expire could not complete its last 3 runs (last: EXEC_RETRIES_EXHAUSTED: gave up)',
  ])
})

test('the daemon is not ready before the first attempt to reach the cloud has ended', () => {
  const r = readiness({ jobs: [] })
  assert.deepEqual(r.reasons, ['the cloud has not been reached yet (the first connection attempt is still running)'])
})

test('a threshold above one tolerates that many runs that could not complete', () => {
  const r = readiness({ cloud: { ok: true, checkedAt }, jobs: [job({ consecutiveFailures: 2 })], maxConsecutiveFailures: 3 })
  assert.equal(r.ready, true)
})
