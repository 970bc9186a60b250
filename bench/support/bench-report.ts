/** What a benchmark prints: scenario, API calls by endpoint against the lower bound, wall time, peak RSS. */
import { totalOf, type LowerBoundTerm } from './lower-bound.ts'
import type { RssFigures } from './rss-sampler.ts'

export type Row = readonly [label: string, value: string | number]

export interface BenchReport {
  readonly name: string
  readonly scenario: readonly Row[]
  readonly settings: readonly Row[]
  /** Server-side counts per `METHOD /route/{template}` (the simulator's `calls()`). */
  readonly calls: Readonly<Record<string, number>>
  readonly lowerBound: readonly LowerBoundTerm[]
  readonly outcome: readonly Row[]
  /** Named wall-clock phases in milliseconds; `total` is the figure reported as wall time. */
  readonly timingsMs: readonly Row[]
  readonly wallMs: number
  /** The client process (the simulator runs in its own process). */
  readonly rss: RssFigures
  readonly simulatorMaxRssBytes?: number
  /** Where the time went: client-side latencies, event-loop use, simulator CPU. */
  readonly diagnostics: readonly Row[]
}

export const totalCalls = (r: BenchReport): number => Object.values(r.calls).reduce((a, b) => a + b, 0)
export const ratioOf = (r: BenchReport): number => totalCalls(r) / Math.max(1, totalOf(r.lowerBound))
const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MiB`
const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`

function table(title: string, rows: readonly Row[]): string[] {
  const width = Math.max(...rows.map(([k]) => k.length), 8)
  return [title, ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${typeof v === 'number' ? v.toLocaleString('en-US') : v}`)]
}

/** The human-readable report, one line per figure. */
export function formatReport(r: BenchReport): string {
  const calls = Object.entries(r.calls).sort(([, a], [, b]) => b - a)
  const measured = totalCalls(r)
  const bound = totalOf(r.lowerBound)
  return [
    `== ${r.name} ==`,
    ...table('scenario', r.scenario),
    ...table('settings', r.settings),
    ...table('API calls by endpoint (simulator count)', [...calls, ['total', measured]]),
    ...table(
      'lower bound',
      [...r.lowerBound.map((t): Row => [t.what, `${t.calls.toLocaleString('en-US')}  (${t.why})`]), ['total', bound]],
    ),
    `measured / lower bound: ${measured.toLocaleString('en-US')} / ${bound.toLocaleString('en-US')} = ${ratioOf(r).toFixed(2)}×`,
    ...table('outcome', r.outcome),
    ...table('wall time', r.timingsMs.map(([k, v]): Row => [k, typeof v === 'number' ? secs(v) : v])),
    ...table('memory (client process)', [
      ['RSS before connecting', mib(r.rss.baselineBytes)],
      ['peak RSS during the cycle', mib(r.rss.peakBytes)],
      ['process maxRSS', mib(r.rss.processMaxRssBytes)],
      ...(r.simulatorMaxRssBytes === undefined ? [] : [['simulator process maxRSS (not ours)', mib(r.simulatorMaxRssBytes)] as Row]),
    ]),
    ...table('diagnostics', r.diagnostics),
    `markdown row: ${markdownRow(r)}`,
  ].join('\n')
}

export const MARKDOWN_HEADER = '| benchmark | API calls | lower bound | ratio | wall time | peak RSS |\n|---|---:|---:|---:|---:|---:|'

export function markdownRow(r: BenchReport): string {
  return `| ${r.name} | ${totalCalls(r).toLocaleString('en-US')} | ${totalOf(r.lowerBound).toLocaleString('en-US')} | ${ratioOf(r).toFixed(2)}× | ${secs(r.wallMs)} | ${mib(r.rss.peakBytes)} |`
}
