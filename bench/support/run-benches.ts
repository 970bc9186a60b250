/**
 * Runs benchmark files one after the other, each in its own Node process, forwarding their output
 * and collecting their `json result:` lines. A benchmark failed when its process exited non-zero or
 * one of its results says its work did not end as planned.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import type { BenchJson } from './bench-report.ts'

export interface Bench {
  readonly file: string
  /** Why the bench cannot run yet, when its subject does not exist. */
  readonly needs?: string
  /** A cycle benchmark (takes --settle-ms); the others get only --quick. */
  readonly cycle?: boolean
}

export interface BenchRun {
  readonly results: readonly BenchJson[]
  /** File names of the benchmarks that failed. */
  readonly failed: readonly string[]
  /** One line per benchmark not run or failed, naming it and why. */
  readonly notes: readonly string[]
}

function runOne(file: string, args: readonly string[], write: (s: string) => void): Promise<{ code: number; results: BenchJson[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
    const results: BenchJson[] = []
    let buffered = ''
    const take = (line: string): void => {
      if (line.startsWith('json result: ')) results.push(JSON.parse(line.slice('json result: '.length)) as BenchJson)
      else write(`${line}\n`)
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

export async function runBenches(benches: readonly Bench[], args: readonly string[], write: (s: string) => void): Promise<BenchRun> {
  const results: BenchJson[] = []
  const notes: string[] = []
  const failed: string[] = []
  for (const bench of benches) {
    const name = bench.file.split('/').pop() ?? bench.file
    if (!existsSync(bench.file) || (bench.needs !== undefined && !existsSync(bench.needs))) {
      notes.push(`${name}: not run (${existsSync(bench.file) ? `${bench.needs} does not exist yet` : 'not written yet'})`)
      continue
    }
    const started = performance.now()
    const { code, results: r } = await runOne(bench.file, bench.cycle === true ? args : args.filter((a) => a === '--quick'), write)
    results.push(...r)
    const failedWork = r.filter((x) => !x.passed)
    if (code !== 0 || failedWork.length > 0) {
      failed.push(name)
      notes.push(
        `${name}: FAILED (exit code ${code}${failedWork.map((x) => `; ${x.name}: ${x.failures.toLocaleString('en-US')} planned item(s) did not end as planned`).join('')})`,
      )
    }
    write(`(${name} took ${((performance.now() - started) / 1000).toFixed(1)} s including seeding)\n\n`)
  }
  return { results, failed, notes }
}
