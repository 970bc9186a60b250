import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { runBenches } from './run-benches.ts'

const result = (name: string, passed: boolean) => JSON.stringify({ id: name, name, passed, failures: passed ? 0 : 3, firstFailures: [], targets: [] })

test('a benchmark whose work failed, or whose process failed, is named; one that passed is not', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'run-benches-'))
  try {
    const file = (name: string, body: string): string => {
      const p = join(dir, name)
      writeFileSync(p, body)
      return p
    }
    const ok = file('ok.bench.mjs', `console.log('report of ok'); console.log('json result: ' + ${JSON.stringify(result('ok cycle', true))})`)
    // exits 0 although its work failed: its own result says so
    const lied = file('lied.bench.mjs', `console.log('json result: ' + ${JSON.stringify(result('lying cycle', false))})`)
    const crashed = file('crashed.bench.mjs', `process.exit(1)`)
    let out = ''
    const run = await runBenches([{ file: ok }, { file: lied }, { file: crashed }, { file: join(dir, 'missing.bench.mjs') }], [], (s) => (out += s))
    assert.deepEqual(run.failed, ['lied.bench.mjs', 'crashed.bench.mjs'])
    assert.deepEqual(run.results.map((r) => r.name), ['ok cycle', 'lying cycle'])
    assert.ok(run.notes.some((n) => n === 'lied.bench.mjs: FAILED (exit code 0; lying cycle: 3 planned item(s) did not end as planned)'), run.notes.join('\n'))
    assert.ok(run.notes.some((n) => n === 'crashed.bench.mjs: FAILED (exit code 1)'))
    assert.ok(run.notes.some((n) => n.startsWith('missing.bench.mjs: not run')))
    assert.match(out, /report of ok/)
    assert.doesNotMatch(out, /json result/)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
