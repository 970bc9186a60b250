/** The one source of time. Only cli/ builds the system clock; a tick reads `now` once. */
export interface Clock {
  now(): Date
}

/** Waits `ms` milliseconds (or until the signal aborts). Injected so tests never wait on real timers. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>

/** A source of randomness in [0, 1), injected for jitter so tests stay deterministic. */
export type Random = () => number
