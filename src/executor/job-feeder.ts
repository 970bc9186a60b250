/**
 * A run's jobs, started lazily: at most `ahead` of them are "in front" at once (waiting for a pool
 * slot or holding one), so a run of 100k volumes does not build and queue 100k tasks up front. A job
 * leaves the front when it calls `leaveFront` (a group after its creates were sent: it then settles
 * without slots, in the run's listing rounds) or when it ends, and the next job is started then.
 */

/** One job; it calls `leaveFront` once its slots are released (calling it more than once is harmless). */
export type FedJob = (leaveFront: () => void) => Promise<void>

/**
 * Runs every job of `jobs` (pulled one at a time) with at most `ahead` in front; resolves when all
 * ended, with the reasons of those that rejected (a job reports its items' failures itself; a
 * rejection is a cancellation or a programmer error).
 */
export function feedJobs(jobs: Iterator<FedJob>, ahead: number): Promise<unknown[]> {
  const limit = Math.max(1, Math.floor(ahead))
  const rejected: unknown[] = []
  let front = 0
  let running = 0
  let exhausted = false
  let launching = false
  return new Promise((resolve) => {
    const launch = (): void => {
      if (launching) return
      launching = true
      try {
        while (front < limit && !exhausted) {
          const next = jobs.next()
          if (next.done === true) {
            exhausted = true
            break
          }
          front++
          running++
          let left = false
          const leave = (): void => {
            if (left) return
            left = true
            front--
            launch()
          }
          let started: Promise<void>
          try {
            started = next.value(leave)
          } catch (err) {
            started = Promise.reject(err)
          }
          started
            .catch((err: unknown) => {
              rejected.push(err)
            })
            .finally(() => {
              running--
              leave()
              if (exhausted && running === 0) resolve(rejected)
            })
            .catch(() => {})
        }
      } finally {
        launching = false
      }
      if (exhausted && running === 0) resolve(rejected)
    }
    launch()
  })
}
