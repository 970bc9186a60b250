import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CancelledError, RetriesExhaustedError } from './errors.ts'
import { withRetry, type RetryOptions } from './retry.ts'
import { FakeHttpError, badRequestError, transientError } from './testing/fake-cloud.ts'
import { fakeTime, fixedRandom } from './testing/fake-time.ts'

const isTransient = (err: unknown): boolean => err instanceof FakeHttpError && err.status >= 500

function options(overrides: Partial<RetryOptions> = {}): RetryOptions & { sleeps: number[] } {
  const time = fakeTime()
  return {
    isTransient,
    retryAfterMs: (err) => (err instanceof FakeHttpError ? err.retryAfterMs : undefined),
    maxAttempts: 4,
    baseDelayMs: 100,
    maxDelayMs: 1000,
    sleep: time.sleep,
    random: fixedRandom(0.5),
    sleeps: time.sleeps,
    ...overrides,
  }
}

describe('withRetry', () => {
  it('retries a transient error and returns the later success', async () => {
    const opts = options()
    let calls = 0
    const value = await withRetry(async () => {
      calls++
      if (calls < 3) throw transientError()
      return 'ok'
    }, opts)
    assert.equal(value, 'ok')
    assert.equal(calls, 3)
    assert.deepEqual(opts.sleeps, [50, 100], 'full jitter over base·2^(n-1): 0.5 × 100, 0.5 × 200')
  })

  it('rethrows a permanent error as it is, without retrying', async () => {
    const opts = options()
    const refused = badRequestError()
    let calls = 0
    await assert.rejects(
      withRetry(async () => {
        calls++
        throw refused
      }, opts),
      (err) => err === refused,
    )
    assert.equal(calls, 1)
    assert.deepEqual(opts.sleeps, [])
  })

  it('waits as long as Retry-After asks, capped at the maximum delay', async () => {
    const opts = options()
    let calls = 0
    await withRetry(async () => {
      calls++
      if (calls === 1) throw transientError('Too busy', 700)
      if (calls === 2) throw transientError('Too busy', 60_000)
      return 'ok'
    }, opts)
    assert.deepEqual(opts.sleeps, [700, 1000])
  })

  it('caps the exponential delay at the maximum delay', async () => {
    const opts = options({ maxAttempts: 6, random: fixedRandom(0.999) })
    await assert.rejects(withRetry(async () => Promise.reject(transientError()), opts))
    assert.deepEqual(opts.sleeps, [99, 199, 399, 799, 999])
  })

  it('after the last transient failure throws RetriesExhaustedError carrying the last error', async () => {
    const opts = options({ maxAttempts: 3 })
    let calls = 0
    const errors = [transientError('first'), transientError('second'), transientError('third')]
    await assert.rejects(
      withRetry(async () => {
        throw errors[calls++]
      }, opts),
      (err) => {
        assert.ok(err instanceof RetriesExhaustedError)
        assert.equal(err.code, 'EXEC_RETRIES_EXHAUSTED')
        assert.equal(err.cause, errors[2])
        assert.match(err.message, /3 attempts/)
        assert.match(err.message, /third/)
        return true
      },
    )
    assert.equal(calls, 3)
  })

  it('stops with CancelledError when the signal aborts during the backoff', async () => {
    const controller = new AbortController()
    const opts = options({ signal: controller.signal })
    let calls = 0
    await assert.rejects(
      withRetry(async () => {
        calls++
        controller.abort()
        throw transientError()
      }, opts),
      (err) => err instanceof CancelledError && err.code === 'EXEC_CANCELLED',
    )
    assert.equal(calls, 1)
  })

  it('does not call the function at all when the signal has already aborted', async () => {
    const controller = new AbortController()
    controller.abort()
    let calls = 0
    await assert.rejects(
      withRetry(async () => {
        calls++
      }, options({ signal: controller.signal })),
      CancelledError,
    )
    assert.equal(calls, 0)
  })
})
