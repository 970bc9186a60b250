/**
 * Runs one cycle against the simulator process with the CLI's own client wiring (cli-cloud.ts) and
 * measures it: connect, phases, wall time, peak RSS, CPU and event-loop use of this process, the
 * simulator's call counts and CPU, client latencies.
 */
import type { CliDeps } from '../../src/cli/deps.ts'
import type { Cloud } from '../../src/domain/ports.ts'
import type { Row } from './bench-report.ts'
import { loadCliModules, openCliCloud } from './cli-cloud.ts'
import { timeCloudPhases } from './cloud-phases.ts'
import { loadRows, startLoadMeter } from './load-meter.ts'
import { startRssSampler, type RssFigures } from './rss-sampler.ts'
import type { SimProcess, SimStatus } from './sim-process.ts'

export interface CycleMeasurement<T, A = undefined> {
  readonly value: T
  readonly wallMs: number
  /** connect, listing, planning, executing, total (ms). */
  readonly timingsMs: readonly Row[]
  readonly rss: RssFigures
  /** The simulator after the cycle: calls, resource counts, its peak RSS. */
  readonly after: SimStatus
  /** The simulator before the cycle (counts, for "no duplicates"). */
  readonly before: SimStatus
  readonly clientRequests: number
  /** "none" or "3× network_error, 1× 503". */
  readonly clientErrors: string
  readonly diagnostics: readonly Row[]
  /** CPU time of this process (the client) from loading the command's modules to the cycle's end (ms). */
  readonly clientCpuMs: number
  /** What `afterCycle` returned (undefined without one). */
  readonly afterCycle: A | undefined
}

/**
 * `config`: the snapwarden.yaml document the CLI reads. The cycle gets the CLI's deps and the (timed)
 * cloud. `command`: the CLI command the cycle stands for (`create-snapshots`): its modules are
 * loaded into this process before the baseline is sampled, as the CLI loads them (cli-cloud.ts).
 * `afterCycle` runs once the cycle is measured, on the same (untimed) cloud: what the benchmark
 * needs besides the cycle (a listing to re-run the planner on) is read there, so that the measured
 * process holds no more than the CLI does.
 */
export async function measureCycle<T, A = undefined>(
  sim: SimProcess,
  config: Readonly<Record<string, unknown>>,
  cycle: (cloud: Cloud, deps: CliDeps) => Promise<T>,
  command?: string,
  afterCycle?: (cloud: Cloud, value: T) => Promise<A>,
): Promise<CycleMeasurement<T, A>> {
  const before = await sim.status()
  const load = startLoadMeter()
  await loadCliModules(command)
  const rss = startRssSampler()
  const started = performance.now()
  const client = await openCliCloud(sim.cloudEntry, config, command)
  try {
    const connectMs = performance.now() - started
    const phased = timeCloudPhases(client.opened.cloud)
    const value = await cycle(phased.cloud, client.deps)
    const ended = performance.now()
    const memory = rss.stop()
    const used = load.stop()
    const after = await sim.status()
    const wallMs = ended - started
    const clientRequests = client.clientRequests()
    const clientErrors = Object.entries(client.clientErrors()).map(([k, n]) => `${n}× ${k}`).join(', ') || 'none'
    const afterValue = afterCycle ? await afterCycle(client.opened.cloud, value) : undefined
    return {
      value,
      wallMs,
      timingsMs: [['connect (auth + discovery)', connectMs], ...phased.phases(ended), ['total', wallMs]],
      rss: memory,
      after,
      before,
      clientRequests,
      clientErrors,
      diagnostics: [...loadRows(used, wallMs, after.cpuMs - before.cpuMs), ...client.latencyRows().map(([k, v]): Row => [`latency ${k}`, v])],
      clientCpuMs: used.cpuMs,
      afterCycle: afterValue,
    }
  } finally {
    await client.close()
  }
}
