/** The fewest API calls a cycle could make for the work that succeeded, term by term, each with its reason. */

export interface LowerBoundTerm {
  readonly what: string
  readonly calls: number
  readonly why: string
}

/** Pages a marker-paginated listing of `n` items needs at `pageSize` per page (at least one). */
export function pagesFor(n: number, pageSize: number): number {
  return Math.max(1, Math.ceil(n / pageSize))
}

export function totalOf(terms: readonly LowerBoundTerm[]): number {
  return terms.reduce((sum, t) => sum + t.calls, 0)
}

export interface PollRounds {
  /** Listing rounds: one per poll interval from the first create until the last artefact settled. */
  readonly rounds: number
  /** Listing pages over all rounds: a round lists what is still in flight, ceil(n / pageSize), at least one page. */
  readonly pages: number
  /** From the first create to the last artefact's settling (ms), at the fastest pace. */
  readonly spanMs: number
}

export interface PollPace {
  /** Artefacts created (or deleted) as planned. */
  readonly count: number
  /** Requests in flight at once (the cycle's concurrency). */
  readonly inFlight: number
  /** Latency of one call (ms). */
  readonly latencyMs: number
  /** How long an artefact stays creating/deleting (ms). */
  readonly settleMs: number
  readonly intervalMs: number
  readonly pageSize: number
}

/**
 * The minimum poll rounds of a client that waits for its artefacts by listing them: one listing round
 * every `intervalMs` while anything is in flight, not one poll per item. The artefacts are sent at
 * the fastest pace (`inFlight` at a time, one latency each), so the bound does not grow when a
 * client is slow; each settles `settleMs` after it was sent. No artefacts: no rounds.
 */
export function minimumPollRounds(p: PollPace): PollRounds {
  if (p.count === 0) return { rounds: 0, pages: 0, spanMs: 0 }
  const sentAt = (i: number): number => Math.floor(i / p.inFlight) * p.latencyMs
  const spanMs = sentAt(p.count - 1) + p.latencyMs + p.settleMs
  const rounds = Math.max(1, Math.ceil(spanMs / p.intervalMs))
  let pages = 0
  let lo = 0
  let hi = 0
  for (let k = 1; k <= rounds; k++) {
    const t = k * p.intervalMs
    // in flight at t: sent (and answered) by t, settling after t
    while (hi < p.count && sentAt(hi) + p.latencyMs <= t) hi++
    while (lo < hi && sentAt(lo) + p.latencyMs + p.settleMs <= t) lo++
    pages += pagesFor(hi - lo, p.pageSize)
  }
  return { rounds, pages, spanMs }
}
