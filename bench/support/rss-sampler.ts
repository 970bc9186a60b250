/** Samples the resident set size while a benchmark runs, to report its peak (not a timed test). */

export interface RssFigures {
  /** RSS when sampling started (Node, tsx, the simulator and its seeded state). */
  readonly baselineBytes: number
  /** Highest RSS seen by the sampler (and at stop). */
  readonly peakBytes: number
  /** `process.resourceUsage().maxRSS`: the whole process's peak so far (includes seeding). */
  readonly processMaxRssBytes: number
}

export interface RssSampler {
  stop(): RssFigures
}

/** Starts sampling `process.memoryUsage.rss()` every `intervalMs` on an unref'd timer. */
export function startRssSampler(intervalMs = 100): RssSampler {
  const baselineBytes = process.memoryUsage.rss()
  let peakBytes = baselineBytes
  const sample = (): void => {
    const rss = process.memoryUsage.rss()
    if (rss > peakBytes) peakBytes = rss
  }
  const timer = setInterval(sample, intervalMs)
  timer.unref()
  return {
    stop() {
      clearInterval(timer)
      sample()
      return { baselineBytes, peakBytes, processMaxRssBytes: process.resourceUsage().maxRSS * 1024 }
    },
  }
}
