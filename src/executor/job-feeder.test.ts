import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { feedJobs, type FedJob } from './job-feeder.ts'

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

describe('feedJobs: a run starts its jobs lazily', () => {
  it('pulls a job only when fewer than `ahead` are in front, and runs every job', async () => {
    let pulled = 0
    let front = 0
    let peakFront = 0
    let peakPulledAhead = 0
    let finished = 0
    function* jobs(): Generator<FedJob> {
      for (let i = 0; i < 1000; i++) {
        pulled++
        peakPulledAhead = Math.max(peakPulledAhead, pulled - finished)
        yield async (leaveFront) => {
          front++
          peakFront = Math.max(peakFront, front)
          await tick()
          front--
          leaveFront()
          await tick() // settles after leaving the front (no slot held)
          finished++
        }
      }
    }
    const rejected = await feedJobs(jobs(), 4)
    assert.deepEqual(rejected, [])
    assert.equal(finished, 1000)
    assert.equal(peakFront, 4)
    // Jobs that left the front may still be settling, but the rest are not built up front.
    assert.ok(peakPulledAhead < 20, `at most a few jobs built ahead, saw ${peakPulledAhead}`)
  })

  it('a job that ends without calling leaveFront leaves the front when it ends', async () => {
    let ran = 0
    const jobs = Array.from({ length: 10 }, (): FedJob => async () => {
      await tick()
      ran++
    })
    assert.deepEqual(await feedJobs(jobs[Symbol.iterator](), 2), [])
    assert.equal(ran, 10)
  })

  it('collects the rejections (cancellation, programmer errors) and still runs the other jobs', async () => {
    let ran = 0
    const boom = new Error('boom')
    const jobs: FedJob[] = [
      async () => {
        ran++
      },
      () => {
        throw boom
      },
      async () => {
        await tick()
        throw boom
      },
      async () => {
        ran++
      },
    ]
    const rejected = await feedJobs(jobs[Symbol.iterator](), 1)
    assert.deepEqual(rejected, [boom, boom])
    assert.equal(ran, 2)
  })

  it('resolves at once when there is no job', async () => {
    assert.deepEqual(await feedJobs([][Symbol.iterator](), 3), [])
  })
})
