/** Samples the resident set size while a benchmark runs, to report its peak (not a timed test). */
import { getHeapSpaceStatistics } from 'node:v8'
import type { TargetFigure } from './bench-report.ts'

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

/**
 * Starts sampling `process.memoryUsage.rss()` every `intervalMs` on an unref'd timer. With
 * BENCH_RSS_TRACE=1 each sample is also written to stderr with the V8 heap's figures (where the
 * memory goes, when).
 */
export function startRssSampler(intervalMs = 100): RssSampler {
  const baselineBytes = process.memoryUsage.rss()
  let peakBytes = baselineBytes
  const started = performance.now()
  const trace = process.env['BENCH_RSS_TRACE'] === '1'
  const mib = (n: number): string => (n / 1048576).toFixed(1)
  const sample = (): void => {
    const rss = process.memoryUsage.rss()
    if (rss > peakBytes) peakBytes = rss
    if (trace) {
      const m = process.memoryUsage()
      const spaces = getHeapSpaceStatistics()
        .filter((x) => x.space_size > 1048576)
        .map((x) => `${x.space_name.replace(/_space$/, '')} ${mib(x.space_used_size)}/${mib(x.space_size)}`)
        .join(', ')
      process.stderr.write(`rss-trace ${((performance.now() - started) / 1000).toFixed(1)} s: rss ${mib(rss)} heap used/total ${mib(m.heapUsed)}/${mib(m.heapTotal)} (${spaces}) external ${mib(m.external)} MiB\n`)
    }
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

/** Issue 9's peak-RSS targets for the client, by fleet size (volumes): 150 MiB at 10k, 400 MiB at 100k. */
export const RSS_TARGETS_MIB: ReadonlyMap<number, number> = new Map([
  [10_000, 150],
  [100_000, 400],
])

/** The peak RSS beside its target: met or not at a size that has one, else printed for reference. */
export function rssTargetFigure(volumes: number, peakBytes: number): TargetFigure {
  const target = RSS_TARGETS_MIB.get(volumes)
  const peakMib = peakBytes / 1024 / 1024
  const targets = [...RSS_TARGETS_MIB].map(([v, t]) => `≤ ${t} MiB at ${v / 1000}k volumes`).join(', ')
  return { figure: 'peak RSS (client)', value: `${peakMib.toFixed(0)} MiB`, target: targets, met: target === undefined ? undefined : peakMib <= target }
}
