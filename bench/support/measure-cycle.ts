/**
 * Runs one cycle against the simulator process and measures it: connect, phases, wall time, peak
 * RSS, CPU and event-loop use of this process, the simulator's call counts and CPU, client latencies.
 */
import type { Cloud } from '../../src/domain/ports.ts'
import type { Row } from './bench-report.ts'
import { timeCloudPhases } from './cloud-phases.ts'
import { loadRows, startLoadMeter } from './load-meter.ts'
import { openBenchCloud } from './open-bench-cloud.ts'
import { startRssSampler, type RssFigures } from './rss-sampler.ts'
import type { SimProcess, SimStatus } from './sim-process.ts'

export interface CycleMeasurement<T> {
  readonly value: T
  readonly wallMs: number
  /** connect, listing, planning, executing, total (ms). */
  readonly timingsMs: readonly Row[]
  readonly rss: RssFigures
  /** The simulator after the cycle: calls, resource counts, its peak RSS. */
  readonly after: SimStatus
  readonly clientRequests: number
  /** "none" or "3× OS_NETWORK, 1× 503". */
  readonly clientErrors: string
  readonly diagnostics: readonly Row[]
}

export async function measureCycle<T>(sim: SimProcess, cycle: (cloud: Cloud) => Promise<T>): Promise<CycleMeasurement<T>> {
  const before = await sim.status()
  const load = startLoadMeter()
  const rss = startRssSampler()
  const started = performance.now()
  const bench = await openBenchCloud(sim.cloudConfig)
  try {
    const connectMs = performance.now() - started
    const phased = timeCloudPhases(bench.cloud)
    const value = await cycle(phased.cloud)
    const ended = performance.now()
    const memory = rss.stop()
    const used = load.stop()
    const after = await sim.status()
    const wallMs = ended - started
    return {
      value,
      wallMs,
      timingsMs: [['connect (auth + discovery)', connectMs], ...phased.phases(ended), ['total', wallMs]],
      rss: memory,
      after,
      clientRequests: bench.clientRequests(),
      clientErrors: Object.entries(bench.clientErrors()).map(([k, n]) => `${n}× ${k}`).join(', ') || 'none',
      diagnostics: [...loadRows(used, wallMs, after.cpuMs - before.cpuMs), ...bench.latencyRows().map(([k, v]): Row => [`latency ${k}`, v])],
    }
  } finally {
    await bench.close()
  }
}
