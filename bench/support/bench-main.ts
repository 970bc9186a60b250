/**
 * The entry point of a bench file run directly: `--quick` picks the small scenario, `--settle-ms N`
 * sets the simulator's settle time, `--latency-jitter-ms N` how much each call's latency varies
 * (BENCH_LATENCY_JITTER_MS by default), `--volumes N` (or BENCH_VOLUMES=N) sets the fleet's size
 * (`--volumes 100000` is the on-demand 100k-volume cycle); `--no-write` is accepted (a bench file
 * writes nothing; run-all.ts does). Prints the report and exits non-zero when the work failed.
 *
 * The client is measured as the CLI runs: compiled JavaScript from dist/, no TypeScript loader in
 * the process (tsx alone costs ~30 MiB of RSS and start-up time, and its transpiled code runs
 * slower cold). A bench file started through tsx (`node --import tsx bench/x.bench.ts`) therefore
 * builds the CLI (`npm run build`'s script, when dist/ is older than src/) and the benchmarks
 * (tsconfig.bench.json, into dist/bench: the bench's own files; the CLI's modules it imports are
 * dist/src, the CLI's build) and runs the compiled file in a child process with the same arguments
 * (compiled-bench.ts).
 */
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { formatReport, type BenchReport } from './bench-report.ts'
import { relaunchCompiled } from './compiled-bench.ts'

export interface BenchArgs {
  readonly quick: boolean
  /** The simulator's settle time (creating → available), ms; undefined: the benchmark's default. */
  readonly settleMs: number | undefined
  /** The fleet's number of volumes; undefined: the scenario's own (10k, or 1k with --quick). */
  readonly volumes: number | undefined
  /** Each call's latency varies by ± this many ms; undefined: the benchmark's default (BENCH_LATENCY_JITTER_MS). */
  readonly latencyJitterMs: number | undefined
}

/**
 * The cycle benchmarks' latency jitter, ms: each call takes 20 ms ± 5 ms (uniform, seeded). A real
 * API's latency varies from call to call; at exactly 20 ms every time, the in-flight requests of a
 * closed loop come back in one burst every round, and the round then also costs the client's CPU
 * for every answer of the burst (`--latency-jitter-ms 0` shows it; BENCHMARKS.md has both).
 */
export const BENCH_LATENCY_JITTER_MS = 5

/** The report's "latency per call" setting. */
export function latencyRow(latencyMs: number, jitterMs: number): string {
  const how = 'from arrival to answer, the simulator\'s own work included; real timers, simulator in a child process'
  return jitterMs > 0 ? `${latencyMs} ms ± ${jitterMs} ms (uniform per call, seeded; ${how})` : `${latencyMs} ms, every call (${how})`
}

/** Bounds of `--volumes`: the simulator holds the whole fleet in one process. */
export const MIN_BENCH_VOLUMES = 10
export const MAX_BENCH_VOLUMES = 200_000

/** The bench arguments from the command line and environment, or the error naming what is wrong. */
export function parseBenchArgs(argv: readonly string[], env: NodeJS.ProcessEnv): { ok: true; args: BenchArgs } | { ok: false; error: string } {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      'settle-ms': { type: 'string' },
      'latency-jitter-ms': { type: 'string' },
      volumes: { type: 'string' },
      'no-write': { type: 'boolean' },
    },
    strict: false,
  })
  const rawSettle = values['settle-ms']
  const settleMs = typeof rawSettle === 'string' ? Number(rawSettle) : undefined
  if (rawSettle === true || (settleMs !== undefined && (rawSettle === '' || !Number.isInteger(settleMs) || settleMs < 0))) {
    return { ok: false, error: `--settle-ms "${String(rawSettle)}": accepted: an integer ≥ 0 (milliseconds)` }
  }
  const rawJitter = values['latency-jitter-ms']
  const latencyJitterMs = typeof rawJitter === 'string' ? Number(rawJitter) : undefined
  if (rawJitter === true || (latencyJitterMs !== undefined && (rawJitter === '' || !Number.isInteger(latencyJitterMs) || latencyJitterMs < 0 || latencyJitterMs > 20))) {
    return { ok: false, error: `--latency-jitter-ms "${String(rawJitter)}": accepted: an integer 0–20 (milliseconds either side of the 20 ms latency)` }
  }
  const fromFlag = values['volumes']
  const rawVolumes = fromFlag ?? env['BENCH_VOLUMES']
  const source = fromFlag !== undefined ? '--volumes' : 'BENCH_VOLUMES'
  let volumes: number | undefined
  if (rawVolumes !== undefined) {
    const text = typeof rawVolumes === 'string' ? rawVolumes.trim().replace(/_/g, '') : ''
    volumes = /^\d+$/.test(text) ? Number(text) : Number.NaN
    if (!Number.isSafeInteger(volumes) || volumes < MIN_BENCH_VOLUMES || volumes > MAX_BENCH_VOLUMES) {
      return {
        ok: false,
        error: `${source} "${String(rawVolumes)}": accepted: an integer ${MIN_BENCH_VOLUMES}–${MAX_BENCH_VOLUMES.toLocaleString('en-US')} (the number of volumes in the fleet)`,
      }
    }
  }
  return { ok: true, args: { quick: values.quick === true, settleMs, volumes, latencyJitterMs } }
}

export function runBenchMain(moduleUrl: string, name: string, run: (args: BenchArgs) => Promise<BenchReport>): void {
  if (moduleUrl !== pathToFileURL(process.argv[1] ?? '').href) return
  const parsed = parseBenchArgs(process.argv.slice(2), process.env)
  if (!parsed.ok) {
    process.stderr.write(`${name} bench: ${parsed.error}\n`)
    process.exitCode = 2
    return
  }
  if (relaunchCompiled(moduleUrl, name)) return
  run(parsed.args).then(
    (report) => {
      process.stdout.write(`${formatReport(report)}\n`)
      if (report.failures.length > 0) {
        process.stderr.write(`${name} bench FAILED: ${report.failures.length} planned item(s) did not end as planned\n`)
        process.exitCode = 1
      }
    },
    (err: unknown) => {
      process.stderr.write(`${name} bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
      process.exitCode = 1
    },
  )
}
