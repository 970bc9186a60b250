/**
 * `npm run bench`: runs every benchmark in sequence, each in its own Node process (so one's heap
 * does not inflate the next one's RSS), forwards their output, ends with a summary, and exits
 * non-zero naming every benchmark that failed (its work did not end as planned, or it crashed).
 * At full scale it writes the run's JSON (bench/results/last-run.json) and regenerates the figures
 * section of BENCHMARKS.md from it (`--no-write` skips both). Arguments are passed on
 * (`npm run bench -- --quick`, `-- --settle-ms 2000`). Speed targets are printed, not failed on.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describeMachine } from './support/machine.ts'
import { runBenches, type Bench } from './support/run-benches.ts'
import { writeBenchmarksMd, type RunJson } from './write-benchmarks-md.ts'

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url))

const BENCHES: readonly Bench[] = [
  { file: here('./snapshot-cycle.bench.ts'), cycle: true },
  { file: here('./backup-cycle.bench.ts'), needs: here('../src/cycles/backup-cycle.ts'), cycle: true },
  { file: here('./protection-api.bench.ts') },
  { file: here('./planner.bench.ts') },
  { file: here('./staffeln-pattern.bench.ts') },
]

const RESULTS = here('./results/last-run.json')
const MARKDOWN = here('../BENCHMARKS.md')

async function main(): Promise<number> {
  const args = process.argv.slice(2).filter((a) => a !== '--no-write')
  const write = !process.argv.includes('--no-write') && !args.includes('--quick')
  const machine = describeMachine(new Date())
  const { results, failed, notes } = await runBenches(BENCHES, args, (line) => process.stdout.write(line))
  machine.loadAtEnd = loadavg()[0] ?? 0
  process.stdout.write(`== summary (${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}) ==\n`)
  for (const r of results) {
    process.stdout.write(`${r.passed ? 'PASS' : 'FAIL'}  ${r.name}: ${r.totalCalls.toLocaleString('en-US')} calls / lower bound ${r.lowerBoundTotal.toLocaleString('en-US')} = ${r.ratio.toFixed(2)}×\n`)
    for (const t of r.targets) process.stdout.write(`      ${t.figure}: ${t.value} (target ${t.target}: ${t.met === undefined ? 'no target for this run' : t.met ? 'met' : 'over target'})\n`)
  }
  for (const n of notes) process.stdout.write(`note: ${n}\n`)
  if (write) {
    const run: RunJson = { machine, command: `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`, results, failed }
    mkdirSync(dirname(RESULTS), { recursive: true })
    writeFileSync(RESULTS, `${JSON.stringify(run, null, 2)}\n`)
    writeBenchmarksMd(MARKDOWN, run)
    process.stdout.write(`wrote ${RESULTS} and the figures section of ${MARKDOWN}\n`)
  }
  if (failed.length > 0) process.stdout.write(`bench FAILED: ${failed.join(', ')}\n`)
  return failed.length === 0 ? 0 : 1
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench runner failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    process.exit(1)
  },
)
