/**
 * What a benchmark prints: scenario, whether its work succeeded, API calls by endpoint against the
 * lower bound, wall time against its latency bound, planner time, peak RSS, each figure beside its
 * target; and the same as one JSON line for run-all.ts and the BENCHMARKS.md generator.
 */
import { totalOf, type LowerBoundTerm } from './lower-bound.ts'
import type { RssFigures } from './rss-sampler.ts'

export type Row = readonly [label: string, value: string | number]

/** A figure with its target (issue 9's table); `met` undefined when there is no target for this run. */
export interface TargetFigure {
  readonly figure: string
  readonly value: string
  readonly target: string
  readonly met: boolean | undefined
}

export interface BenchReport {
  /** Short id: `snapshot-cycle`, `backup-cycle`. */
  readonly id: string
  readonly name: string
  readonly scenario: readonly Row[]
  readonly settings: readonly Row[]
  /** Server-side counts per `METHOD /route/{template}` (the simulator's `calls()`). */
  readonly calls: Readonly<Record<string, number>>
  readonly lowerBound: readonly LowerBoundTerm[]
  /** The fewest milliseconds the cycle could take at the scenario's latency and in-flight limit. */
  readonly wallBound: { readonly ms: number; readonly why: string }
  /** The pure planner call on the cycle's own listing (ms), when the benchmark measures it. */
  readonly plannerMs?: { readonly first: number; readonly median: number; readonly runs: number }
  readonly outcome: readonly Row[]
  /** Planned work that did not end as planned: the benchmark FAILS when this is not empty. */
  readonly failures: readonly string[]
  /** Named wall-clock phases in milliseconds; `total` is the figure reported as wall time. */
  readonly timingsMs: readonly Row[]
  readonly wallMs: number
  /** The client process (the simulator runs in its own process). */
  readonly rss: RssFigures
  readonly simulatorMaxRssBytes?: number
  readonly targets: readonly TargetFigure[]
  /** Where the time went: client-side latencies, event-loop use, simulator CPU. */
  readonly diagnostics: readonly Row[]
}

export const totalCalls = (r: BenchReport): number => Object.values(r.calls).reduce((a, b) => a + b, 0)
export const ratioOf = (r: BenchReport): number => totalCalls(r) / Math.max(1, totalOf(r.lowerBound))
export const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MiB`
export const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`

function table(title: string, rows: readonly Row[]): string[] {
  const width = Math.max(...rows.map(([k]) => k.length), 8)
  return [title, ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${typeof v === 'number' ? v.toLocaleString('en-US') : v}`)]
}

const verdict = (t: TargetFigure): string => (t.met === undefined ? 'no target for this run' : t.met ? 'met' : 'OVER TARGET')

const MAX_FAILURE_LINES = 20

/** The human-readable report, one line per figure. */
export function formatReport(r: BenchReport): string {
  const calls = Object.entries(r.calls).sort(([, a], [, b]) => b - a)
  const measured = totalCalls(r)
  const bound = totalOf(r.lowerBound)
  const failed = r.failures.length
  return [
    `== ${r.name} ==`,
    ...table('scenario', r.scenario),
    ...table('settings', r.settings),
    ...table('outcome', r.outcome),
    failed === 0
      ? 'work: every planned create and delete ended as planned'
      : [
          `work: FAILED: ${failed.toLocaleString('en-US')} planned item(s) did not end as planned`,
          ...r.failures.slice(0, MAX_FAILURE_LINES).map((f) => `  ${f}`),
          ...(failed > MAX_FAILURE_LINES ? [`  … and ${(failed - MAX_FAILURE_LINES).toLocaleString('en-US')} more`] : []),
        ].join('\n'),
    ...table('API calls by endpoint (simulator count)', [...calls, ['total', measured]]),
    ...table(
      'lower bound (from the work that succeeded)',
      [...r.lowerBound.map((t): Row => [t.what, `${t.calls.toLocaleString('en-US')}  (${t.why})`]), ['total', bound]],
    ),
    `measured / lower bound: ${measured.toLocaleString('en-US')} / ${bound.toLocaleString('en-US')} = ${ratioOf(r).toFixed(2)}×`,
    ...table('wall time', r.timingsMs.map(([k, v]): Row => [k, typeof v === 'number' ? secs(v) : v])),
    `wall time / latency bound: ${secs(r.wallMs)} / ${secs(r.wallBound.ms)} = ${(r.wallMs / r.wallBound.ms).toFixed(2)}×  (bound: ${r.wallBound.why})`,
    ...(r.plannerMs === undefined
      ? []
      : [`planner (pure buildSnapshotPlan on the cycle's listing, ${r.plannerMs.runs} runs): first ${r.plannerMs.first.toFixed(1)} ms, median ${r.plannerMs.median.toFixed(1)} ms`]),
    ...table('memory (client process)', [
      ['RSS before connecting', mib(r.rss.baselineBytes)],
      ['peak RSS during the cycle', mib(r.rss.peakBytes)],
      ['process maxRSS', mib(r.rss.processMaxRssBytes)],
      ...(r.simulatorMaxRssBytes === undefined ? [] : [['simulator process maxRSS (not ours)', mib(r.simulatorMaxRssBytes)] as Row]),
    ]),
    ...table('figures against targets (issue 9; reported, not failed on)', r.targets.map((t): Row => [t.figure, `${t.value}  target ${t.target}: ${verdict(t)}`])),
    ...table('diagnostics', r.diagnostics),
    `result: ${failed === 0 ? 'PASS' : `FAIL (${failed.toLocaleString('en-US')} planned item(s) did not end as planned)`}`,
    `json result: ${JSON.stringify(toJson(r))}`,
  ].join('\n')
}

/** What run-all.ts collects and the BENCHMARKS.md generator reads. */
export interface BenchJson {
  readonly id: string
  readonly name: string
  readonly passed: boolean
  readonly failures: number
  readonly firstFailures: readonly string[]
  readonly scenario: readonly Row[]
  readonly settings: readonly Row[]
  readonly outcome: readonly Row[]
  readonly calls: Readonly<Record<string, number>>
  readonly totalCalls: number
  readonly lowerBound: readonly LowerBoundTerm[]
  readonly lowerBoundTotal: number
  readonly ratio: number
  readonly wallMs: number
  readonly wallBound: { readonly ms: number; readonly why: string }
  readonly timingsMs: readonly Row[]
  readonly plannerMs?: { readonly first: number; readonly median: number; readonly runs: number }
  readonly peakRssBytes: number
  readonly baselineRssBytes: number
  readonly simulatorMaxRssBytes?: number
  readonly targets: readonly TargetFigure[]
  readonly diagnostics: readonly Row[]
}

export function toJson(r: BenchReport): BenchJson {
  return {
    id: r.id,
    name: r.name,
    passed: r.failures.length === 0,
    failures: r.failures.length,
    firstFailures: r.failures.slice(0, MAX_FAILURE_LINES),
    scenario: r.scenario,
    settings: r.settings,
    outcome: r.outcome,
    calls: r.calls,
    totalCalls: totalCalls(r),
    lowerBound: r.lowerBound,
    lowerBoundTotal: totalOf(r.lowerBound),
    ratio: ratioOf(r),
    wallMs: r.wallMs,
    wallBound: r.wallBound,
    timingsMs: r.timingsMs,
    ...(r.plannerMs === undefined ? {} : { plannerMs: r.plannerMs }),
    peakRssBytes: r.rss.peakBytes,
    baselineRssBytes: r.rss.baselineBytes,
    ...(r.simulatorMaxRssBytes === undefined ? {} : { simulatorMaxRssBytes: r.simulatorMaxRssBytes }),
    targets: r.targets,
    diagnostics: r.diagnostics,
  }
}

/** The call-count and wall-time figures every cycle benchmark prints against issue 9's targets. */
export function boundTargets(r: Pick<BenchReport, 'calls' | 'lowerBound' | 'wallMs' | 'wallBound'>): TargetFigure[] {
  const measured = Object.values(r.calls).reduce((a, b) => a + b, 0)
  const ratio = measured / Math.max(1, totalOf(r.lowerBound))
  const wall = r.wallMs / r.wallBound.ms
  return [
    { figure: 'API calls / lower bound', value: `${ratio.toFixed(2)}×`, target: '≤ 1.10×', met: ratio <= 1.1 },
    { figure: 'wall time / latency bound', value: `${wall.toFixed(2)}×`, target: '≤ 1.20×', met: wall <= 1.2 },
  ]
}
