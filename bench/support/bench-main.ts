/** The entry point of a bench file run directly: `--quick` picks the small scenario; prints the report. */
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { formatReport, type BenchReport } from './bench-report.ts'

export function runBenchMain(moduleUrl: string, name: string, run: (quick: boolean) => Promise<BenchReport>): void {
  if (moduleUrl !== pathToFileURL(process.argv[1] ?? '').href) return
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } })
  run(values.quick === true).then(
    (report) => process.stdout.write(`${formatReport(report)}\n`),
    (err: unknown) => {
      process.stderr.write(`${name} bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
      process.exitCode = 1
    },
  )
}
