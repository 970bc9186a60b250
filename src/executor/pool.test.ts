import assert from 'node:assert/strict'
import { getEventListeners } from 'node:events'
import { describe, it } from 'node:test'
import { CancelledError } from './errors.ts'
import { Pool } from './pool.ts'

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/** Jobs that stay in flight until released, recording the peak in-flight counts. */
function tracker(pool: Pool) {
  let peak = 0
  const peakPerProject = new Map<string, number>()
  const release: (() => void)[] = []
  const job = (projectId: string, fail = false) => async () => {
    peak = Math.max(peak, pool.inFlight)
    peakPerProject.set(projectId, Math.max(peakPerProject.get(projectId) ?? 0, pool.inFlightFor(projectId)))
    await new Promise<void>((resolve) => release.push(resolve))
    if (fail) throw new Error('job failed')
  }
  return { job, release, peak: () => peak, peakFor: (p: string) => peakPerProject.get(p) ?? 0 }
}

/** Releases held jobs one by one until all runs have settled (bounded). */
async function drain(t: ReturnType<typeof tracker>, all: Promise<unknown>): Promise<void> {
  let settled = false
  void all.finally(() => (settled = true))
  for (let i = 0; i < 1000 && !settled; i++) {
    await tick()
    t.release.shift()?.()
  }
  assert.ok(settled, 'every job finished')
}

describe('Pool', () => {
  it('never has more than the global limit in flight', async () => {
    const pool = new Pool({ global: 3, perProject: 10 })
    const t = tracker(pool)
    const runs = Array.from({ length: 12 }, (_, i) => pool.run(`p${i % 6}`, t.job(`p${i % 6}`)))
    await drain(t, Promise.all(runs))
    assert.equal(t.peak(), 3)
  })

  it('never has more than the per-project limit in flight for one project, while other projects proceed', async () => {
    const pool = new Pool({ global: 10, perProject: 2 })
    const t = tracker(pool)
    const runs = [
      ...Array.from({ length: 6 }, () => pool.run('a', t.job('a'))),
      ...Array.from({ length: 2 }, () => pool.run('b', t.job('b'))),
    ]
    await tick()
    assert.equal(pool.inFlightFor('a'), 2)
    assert.equal(pool.inFlightFor('b'), 2, "project b is not queued behind project a's waiters")
    await drain(t, Promise.all(runs))
    assert.equal(t.peakFor('a'), 2)
  })

  it('frees the slot of a job that rejects, so queued jobs still run', async () => {
    const pool = new Pool({ global: 1, perProject: 1 })
    const t = tracker(pool)
    const failing = pool.run('a', t.job('a', true))
    const next = pool.run('a', t.job('a'))
    const all = Promise.allSettled([failing, next])
    await drain(t, all)
    const [first, second] = await all
    assert.equal(first.status, 'rejected')
    assert.equal(second.status, 'fulfilled')
    assert.equal(pool.inFlight, 0)
  })

  it('rejects a queued job with CancelledError when its signal aborts, without running it', async () => {
    const pool = new Pool({ global: 1, perProject: 1 })
    const t = tracker(pool)
    const controller = new AbortController()
    const running = pool.run('a', t.job('a'))
    let ran = false
    const queued = pool.run(
      'a',
      async () => {
        ran = true
      },
      { signal: controller.signal },
    )
    controller.abort()
    await assert.rejects(queued, CancelledError)
    await drain(t, running)
    assert.equal(ran, false)
    assert.equal(pool.inFlight, 0)
  })

  it('listens to a signal once however many jobs wait on it, and stops listening when none waits', async () => {
    const pool = new Pool({ global: 1, perProject: 1 })
    const t = tracker(pool)
    const controller = new AbortController()
    const first = pool.run('a', t.job('a'))
    const queued = Array.from({ length: 50 }, () => pool.run('a', t.job('a'), { signal: controller.signal }))
    assert.equal(getEventListeners(controller.signal, 'abort').length, 1)
    await drain(t, Promise.all([first, ...queued]))
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0, 'the listener went with the last waiter')
    // Aborting now cancels nothing and runs nothing.
    controller.abort()
    assert.equal(pool.inFlight, 0)
  })

  it('cancels every job waiting on a signal when it aborts, and the others still run', async () => {
    const pool = new Pool({ global: 1, perProject: 1 })
    const t = tracker(pool)
    const controller = new AbortController()
    const running = pool.run('a', t.job('a'))
    const cancelled = Array.from({ length: 20 }, () => pool.run('a', t.job('a'), { signal: controller.signal }))
    const other = pool.run('a', t.job('a'))
    controller.abort(new Error('stop'))
    const outcomes = await Promise.allSettled(cancelled)
    assert.ok(outcomes.every((o) => o.status === 'rejected' && o.reason instanceof CancelledError))
    await drain(t, Promise.all([running, other]))
    assert.equal(pool.inFlight, 0)
  })
})
