import type { Clock, Random, Sleep } from '../../domain/clock.ts'

export interface FakeTime {
  readonly clock: Clock
  /** Advances the clock by `ms` and yields once to the event loop; never waits on a real timer. */
  readonly sleep: Sleep
  /** Every sleep requested, in ms, in order. */
  readonly sleeps: number[]
  advance(ms: number): void
}

/** A clock that only moves when told to, or when something sleeps on it. */
export function fakeTime(start = '2026-03-29T00:30:00Z'): FakeTime {
  let now = new Date(start).getTime()
  const sleeps: number[] = []
  return {
    clock: { now: () => new Date(now) },
    sleeps,
    advance(ms) {
      now += ms
    },
    async sleep(ms, signal) {
      if (signal?.aborted) throw signal.reason
      sleeps.push(ms)
      now += ms
      await new Promise<void>((resolve) => setImmediate(resolve))
      if (signal?.aborted) throw signal.reason
    },
  }
}

/** A Random that returns the given values in turn (the last one repeats). */
export function fixedRandom(...values: number[]): Random {
  let i = 0
  return () => values[Math.min(i++, values.length - 1)] ?? 0.5
}
