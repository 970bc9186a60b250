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

test('the daemon is ready when config is loaded, the cloud answered and no job keeps failing', () => {
  const r = readiness({ configLoaded: true, cloud: { reachable: true, checkedAt }, jobs: [job()], maxConsecutiveFailures: 3 })
  assert.equal(r.ready, true)
  assert.deepEqual(r.reasons, [])
})

test('an unreachable cloud and a job failing three times in a row are both given as reasons', () => {
  const r = readiness({
    configLoaded: true,
    cloud: { reachable: false, checkedAt, error: 'connection refused' },
    jobs: [job({ consecutiveFailures: 3, lastError: { code: 'OS_NETWORK', message: 'fetch failed' } }), job({ name: 'expire', consecutiveFailures: 2 })],
    maxConsecutiveFailures: 3,
  })
  assert.equal(r.ready, false)
  assert.deepEqual(r.reasons, [
    'the cloud was unreachable at the last check (2026-01-01T00:00:00.000Z): connection refused',
    'job create failed 3 times in a row (last: OS_NETWORK: fetch failed)',
  ])
})

test('the daemon is not ready before the config is loaded or the cloud was checked', () => {
  const r = readiness({ configLoaded: false, jobs: [], maxConsecutiveFailures: 3 })
  assert.deepEqual(r.reasons, ['configuration is not loaded', 'the cloud has not been checked yet'])
})
