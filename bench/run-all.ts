/**
 * `npm run bench`: runs every benchmark in sequence, each in its own Node process (so one's heap
 * does not inflate the next one's RSS), forwards their output and ends with a summary table.
 * Arguments are passed on (`npm run bench -- --quick`). Not a test: it asserts nothing about speed.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { MARKDOWN_HEADER } from './support/bench-report.ts'

interface Bench {
  readonly file: string
  /** Why the bench cannot run yet, when its subject does not exist. */
  readonly needs?: string
}

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url))

const BENCHES: readonly Bench[] = [
  { file: here('./snapshot-cycle.bench.ts') },
  { file: here('./backup-cycle.bench.ts'), needs: here('../src/cycles/backup-cycle.ts') },
  { file: here('./protection-api.bench.ts') },
]

function runOne(file: string, args: readonly string[]): Promise<{ code: number; rows: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
    const rows: string[] = []
    let buffered = ''
    child.stdout.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk)
      buffered += chunk.toString('utf8')
      const lines = buffered.split('\n')
      buffered = lines.pop() ?? ''
      for (const line of lines) if (line.startsWith('markdown row: ')) rows.push(line.slice('markdown row: '.length))
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code: code ?? 1, rows }))
  })
}

async function main(): Promise<number> {
  const args = process.argv.slice(2)
  const rows: string[] = []
  const notes: string[] = []
  let failed = 0
  for (const bench of BENCHES) {
    const name = bench.file.split('/').pop() ?? bench.file
    if (!existsSync(bench.file) || (bench.needs !== undefined && !existsSync(bench.needs))) {
      notes.push(`${name}: not run (${existsSync(bench.file) ? `${bench.needs} does not exist yet` : 'not written yet'})`)
      continue
    }
    const started = performance.now()
    const { code, rows: r } = await runOne(bench.file, args)
    rows.push(...r)
    if (code !== 0) {
      failed++
      notes.push(`${name}: exited with code ${code}`)
    }
    process.stdout.write(`(${name} took ${((performance.now() - started) / 1000).toFixed(1)} s including seeding)\n\n`)
  }
  process.stdout.write(`== summary (Node ${process.version}, ${process.platform}/${process.arch}) ==\n${MARKDOWN_HEADER}\n${rows.join('\n')}\n`)
  for (const n of notes) process.stdout.write(`note: ${n}\n`)
  return failed === 0 ? 0 : 1
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench runner failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    process.exit(1)
  },
)
