import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { BEGIN, END, writeBenchmarksMd, type RunJson } from './write-benchmarks-md.ts'

const run = (calls: number, passed: boolean): RunJson => ({
  machine: { date: '2026-11-30T01:00:00.000Z', cpuModel: 'Test CPU 9000', cores: 2, memoryBytes: 24 * 1024 ** 3, node: 'v20.0.0', os: 'linux 6', loadAtStart: 3, loadAtEnd: 4 },
  command: 'npm run bench',
  failed: passed ? [] : ['snapshot-cycle.bench.ts'],
  results: [
    {
      id: 'snapshot-cycle', name: 'snapshot create cycle', passed, failures: passed ? 0 : 2, firstFailures: passed ? [] : ['create snapshot of volume v1: failed (OS_OVER_LIMIT)'],
      scenario: [['volumes', 10]], settings: [['latency per call', '20 ms']], outcome: [['planned creates / deletes', '8 / 0']],
      calls: { 'POST /volume/v3/{project_id}/snapshots': calls, 'GET /volume/v3/{project_id}/snapshots/detail': 2 }, totalCalls: calls + 2,
      lowerBound: [{ what: 'create snapshot', calls: 8, why: 'one per snapshot created as planned' }], lowerBoundTotal: 8, ratio: (calls + 2) / 8,
      wallMs: 2000, wallBound: { ms: 1000, why: 'x' }, timingsMs: [['executing', 1900], ['total', 2000]], plannerMs: { first: 12.5, median: 11, runs: 5 },
      peakRssBytes: 200 * 1024 ** 2, baselineRssBytes: 100 * 1024 ** 2,
      targets: [{ figure: 'API calls / lower bound', value: '1.25×', target: '≤ 1.10×', met: false }], diagnostics: [],
    },
  ],
})

test('the figures section is regenerated from the run; the hand-written parts around it are kept', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-md-'))
  try {
    const file = join(dir, 'BENCHMARKS.md')
    writeFileSync(file, '# Benchmarks\n\nintro by hand\n\n## History\n\nold figures\n\n## Protection API\n\nkept\n')
    writeBenchmarksMd(file, run(8, true))
    const first = readFileSync(file, 'utf8')
    assert.ok(first.indexOf('intro by hand') < first.indexOf(BEGIN) && first.indexOf(END) < first.indexOf('## History'), 'inserted before the history')
    assert.match(first, /Test CPU 9000, 2 cores, 24\.0 GiB memory/)
    assert.match(first, /Node v20\.0\.0/)
    assert.match(first, /`POST \/volume\/v3\/\{project_id\}\/snapshots` \| 8 \|/)
    assert.match(first, /\*\*over target\*\*/)
    writeBenchmarksMd(file, run(30, false))
    const second = readFileSync(file, 'utf8')
    assert.equal(second.split(BEGIN).length, 2, 'one generated section')
    assert.match(second, /FAILED: snapshot-cycle\.bench\.ts/)
    assert.match(second, /- create snapshot of volume v1: failed \(OS_OVER_LIMIT\)/)
    assert.doesNotMatch(second, /\| 8 \|\n\| `GET/)
    for (const kept of ['intro by hand', 'old figures', '## Protection API\n\nkept']) assert.ok(second.includes(kept), kept)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
