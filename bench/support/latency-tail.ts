/**
 * Where in a run its slow answers were: spread over the whole run (the server queues at this rate)
 * or bunched in a few short stretches (something stalled the machine, the server or the generator
 * for a moment). The measured requests are split by due time into windows of `windowMs`; a window
 * counts when it holds any request slower than `overMs`.
 */
export interface LatencyTail {
  readonly overMs: number
  readonly windowMs: number
  /** Requests slower than overMs. */
  readonly over: number
  /** Windows holding at least one of them, of `windows`. */
  readonly windowsWithOver: number
  readonly windows: number
  /** Share of `over` (0–1) in the `worst` windows that hold most of them. */
  readonly worstShare: number
  readonly worst: number
}

/** `latencyBySeq[s]` is request s's latency; request s was due s / ratePerSecond seconds after the first. */
export function latencyTail(latencyBySeq: ArrayLike<number>, ratePerSecond: number, o: { overMs: number; windowMs?: number; worst?: number }): LatencyTail {
  const windowMs = o.windowMs ?? 100
  const worst = o.worst ?? 3
  const perWindow = Math.max(1, Math.round((ratePerSecond * windowMs) / 1000))
  const windows = Math.ceil(latencyBySeq.length / perWindow)
  const counts = new Array<number>(windows).fill(0)
  let over = 0
  for (let s = 0; s < latencyBySeq.length; s++) {
    if (latencyBySeq[s]! > o.overMs) {
      over++
      counts[Math.floor(s / perWindow)]!++
    }
  }
  const sorted = counts.filter((c) => c > 0).sort((a, b) => b - a)
  const inWorst = sorted.slice(0, worst).reduce((a, b) => a + b, 0)
  return { overMs: o.overMs, windowMs, over, windowsWithOver: sorted.length, windows, worstShare: over === 0 ? 0 : inWorst / over, worst }
}

/** "1,873 answers over 5 ms (1.2 %), in 12 of 100 windows of 100 ms; the worst 3 hold 71 %". */
export function describeTail(t: LatencyTail, measured: number): string {
  if (t.over === 0) return `no answer over ${t.overMs} ms`
  const share = ((100 * t.over) / Math.max(1, measured)).toFixed(2)
  const where = `in ${t.windowsWithOver} of ${t.windows} windows of ${t.windowMs} ms`
  const answers = `${t.over.toLocaleString('en-US')} ${t.over === 1 ? 'answer' : 'answers'} over ${t.overMs} ms (${share} %)`
  // All in as few windows as are named: the share says nothing more.
  if (t.windowsWithOver <= t.worst) return `${answers}, ${where}`
  return `${answers}, ${where}; the worst ${t.worst} hold ${Math.round(100 * t.worstShare)} %`
}
