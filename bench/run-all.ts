/**
 * `npm run bench`: runs every benchmark in sequence, each in its own Node process (so one's heap
 * does not inflate the next one's RSS), forwards their output, ends with a summary, and exits
 * non-zero naming every benchmark that failed (its work did not end as planned, or it crashed).
 * At full scale it writes the run's JSON (bench/results/last-run.json) and regenerates the figures
 * section of BENCHMARKS.md from it (`--no-write` skips both). Arguments are passed on
 * (`npm run bench -- --quick`, `-- --settle-ms 2000`). Speed targets are printed, not failed on.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { BenchJson } from './support/bench-report.ts'
import { describeMachine } from './support/machine.ts'
import { writeBenchmarksMd, type RunJson } from './write-benchmarks-md.ts'

interface Bench {
  readonly file: string
  /** Why the bench cannot run yet, when its subject does not exist. */
  readonly needs?: string
  /** A cycle benchmark (takes --settle-ms); the others get only --quick. */
  readonly cycle?: boolean
}

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url))

const BENCHES: readonly Bench[] = [
  { file: here('./snapshot-cycle.bench.ts'), cycle: true },
  { file: here('./backup-cycle.bench.ts'), needs: here('../src/cycles/backup-cycle.ts'), cycle: true },
  { file: here('./protection-api.bench.ts') },
]

const RESULTS = here('./results/last-run.json')
const MARKDOWN = here('../BENCHMARKS.md')

function runOne(file: string, args: readonly string[]): Promise<{ code: number; results: BenchJson[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
    const results: BenchJson[] = []
    let buffered = ''
    const take = (line: string): void => {
      if (line.startsWith('json result: ')) results.push(JSON.parse(line.slice('json result: '.length)) as BenchJson)
      else process.stdout.write(`${line}\n`)
    }
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8')
      const lines = buffered.split('\n')
      buffered = lines.pop() ?? ''
      for (const line of lines) take(line)
    })
    child.on('error', reject)
    child.on('close', (code, signal) => {
      if (buffered) take(buffered)
      resolve({ code: code ?? (signal ? 128 : 1), results })
    })
  })
}

async function main(): Promise<number> {
  const args = process.argv.slice(2).filter((a) => a !== '--no-write')
  const write = !process.argv.includes('--no-write') && !args.includes('--quick')
  const machine = describeMachine(new Date())
  const results: BenchJson[] = []
  const notes: string[] = []
  const failed: string[] = []
  for (const bench of BENCHES) {
    const name = bench.file.split('/').pop() ?? bench.file
    if (!existsSync(bench.file) || (bench.needs !== undefined && !existsSync(bench.needs))) {
      notes.push(`${name}: not run (${existsSync(bench.file) ? `${bench.needs} does not exist yet` : 'not written yet'})`)
      continue
    }
    const started = performance.now()
    const { code, results: r } = await runOne(bench.file, bench.cycle === true ? args : args.filter((a) => a === '--quick'))
    results.push(...r)
    const failedWork = r.filter((x) => !x.passed)
    if (code !== 0 || failedWork.length > 0) {
      failed.push(name)
      notes.push(
        `${name}: FAILED (exit code ${code}${failedWork.map((x) => `; ${x.name}: ${x.failures.toLocaleString('en-US')} planned item(s) did not end as planned`).join('')})`,
      )
    }
    process.stdout.write(`(${name} took ${((performance.now() - started) / 1000).toFixed(1)} s including seeding)\n\n`)
  }
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
