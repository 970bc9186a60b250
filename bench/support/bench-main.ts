/**
 * The entry point of a bench file run directly: `--quick` picks the small scenario, `--settle-ms N`
 * sets the simulator's settle time; prints the report and exits non-zero when the work failed.
 */
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { formatReport, type BenchReport } from './bench-report.ts'

export interface BenchArgs {
  readonly quick: boolean
  /** The simulator's settle time (creating → available), ms; undefined: the benchmark's default. */
  readonly settleMs: number | undefined
}

export function runBenchMain(moduleUrl: string, name: string, run: (args: BenchArgs) => Promise<BenchReport>): void {
  if (moduleUrl !== pathToFileURL(process.argv[1] ?? '').href) return
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, 'settle-ms': { type: 'string' } }, strict: false })
  const rawSettle = values['settle-ms']
  const settleMs = typeof rawSettle === 'string' ? Number(rawSettle) : undefined
  if (settleMs !== undefined && (!Number.isInteger(settleMs) || settleMs < 0)) {
    process.stderr.write(`${name} bench: --settle-ms "${String(rawSettle)}": accepted: an integer ≥ 0 (milliseconds)\n`)
    process.exitCode = 2
    return
  }
  run({ quick: values.quick === true, settleMs }).then(
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
