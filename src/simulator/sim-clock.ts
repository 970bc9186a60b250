/** The simulator's time source. Every state transition and token expiry reads `now()`. */
export interface SimClock {
  now(): number
}

/** A clock that only moves when told to: tests drive transitions with `advance`. */
export interface ManualClock extends SimClock {
  advance(ms: number): void
  set(ms: number): void
}

export function createManualClock(startMs: number = Date.parse('2024-01-01T00:00:00Z')): ManualClock {
  let t = startMs
  return {
    now: () => t,
    advance: (ms) => {
      t += ms
    },
    set: (ms) => {
      t = ms
    },
  }
}

export const systemSimClock: SimClock = { now: () => Date.now() }

export function isManualClock(c: SimClock): c is ManualClock {
  return typeof (c as Partial<ManualClock>).advance === 'function'
}
