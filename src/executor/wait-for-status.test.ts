import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CancelledError, ResourceFailedError, WaitTimeoutError } from './errors.ts'
import { fakeTime } from './testing/fake-time.ts'
import { waitForStatus } from './wait-for-status.ts'

/** A getter that returns the given statuses in turn (undefined = gone); the last one repeats. */
function statuses(...seq: (string | undefined)[]) {
  let i = 0
  const get = async () => {
    const s = seq[Math.min(i++, seq.length - 1)]
    return s === undefined ? undefined : { id: 'snap-1', status: s }
  }
  return { get, calls: () => i }
}

describe('waitForStatus', () => {
  it('returns the resource once it reaches the target status', async () => {
    const time = fakeTime()
    const { get, calls } = statuses('creating', 'creating', 'available')
    const got = await waitForStatus(get, { target: 'available', timeoutMs: 60_000, intervalMs: 1000, ...time })
    assert.equal(got.status, 'available')
    assert.equal(calls(), 3)
    assert.deepEqual(time.sleeps, [1000, 1000])
  })

  it('times out on the injected clock with WaitTimeoutError naming the last status', async () => {
    const time = fakeTime()
    const { get } = statuses('creating')
    await assert.rejects(
      waitForStatus(get, { target: 'available', timeoutMs: 2500, intervalMs: 1000, what: 'snapshot snap-1', ...time }),
      (err) => {
        assert.ok(err instanceof WaitTimeoutError)
        assert.equal(err.code, 'OS_WAIT_TIMEOUT')
        assert.match(err.message, /snapshot snap-1 .*available.*creating/)
        return true
      },
    )
    assert.deepEqual(time.sleeps, [1000, 1000, 500], 'the last sleep is cut to the time left')
  })

  it('fails with ResourceFailedError when the resource lands in a failure status', async () => {
    const time = fakeTime()
    const { get } = statuses('creating', 'error')
    await assert.rejects(
      waitForStatus(get, { target: 'available', failures: ['error'], timeoutMs: 60_000, intervalMs: 1000, ...time }),
      (err) => err instanceof ResourceFailedError && err.code === 'OS_RESOURCE_FAILED' && err.status === 'error',
    )
  })

  it('treats a resource that is gone as reaching the target deleted', async () => {
    const time = fakeTime()
    const { get } = statuses('deleting', undefined)
    const got = await waitForStatus(get, { target: 'deleted', timeoutMs: 60_000, intervalMs: 1000, ...time })
    assert.equal(got, undefined)
  })

  it('fails when the resource goes away while waiting for another status', async () => {
    const time = fakeTime()
    const { get } = statuses('creating', undefined)
    await assert.rejects(
      waitForStatus(get, { target: 'available', timeoutMs: 60_000, intervalMs: 1000, ...time }),
      (err) => err instanceof ResourceFailedError && /went away/.test(err.message),
    )
  })

  it('stops with CancelledError when the signal aborts', async () => {
    const time = fakeTime()
    const controller = new AbortController()
    let calls = 0
    const get = async () => {
      if (++calls === 2) controller.abort()
      return { status: 'creating' }
    }
    await assert.rejects(
      waitForStatus(get, { target: 'available', timeoutMs: 60_000, intervalMs: 1000, signal: controller.signal, ...time }),
      CancelledError,
    )
    assert.equal(calls, 2)
  })
})

describe('waitForStatus back-off', () => {
  it('doubles the interval after each poll up to maxIntervalMs', async () => {
    const time = fakeTime()
    let reads = 0
    await waitForStatus(async () => ({ status: ++reads >= 7 ? 'available' : 'creating' }), {
      target: 'available', timeoutMs: 3_600_000, intervalMs: 5_000, maxIntervalMs: 60_000, clock: time.clock, sleep: time.sleep,
    })
    assert.deepEqual(time.sleeps, [5_000, 10_000, 20_000, 40_000, 60_000, 60_000])
  })
})
