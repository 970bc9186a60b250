// Every *.test.ts runs in a tier of `npm test` (scripts/test-tiers.mjs, run by scripts/test-all.sh):
// a test file in no tier would never run and nobody would notice.
import assert from 'node:assert/strict'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { after, test } from 'node:test'
import { placementProblems, TIERS, tierFiles, type TestTier } from '../scripts/test-tiers.mjs'
import { tempDir } from './support/run-cli.ts'

const ROOT = join(import.meta.dirname, '..')

const tmp = tempDir('swtest-tiers-')
after(() => tmp.remove())
let n = 0
/** A fake repository holding empty files at the given paths. */
function repo(paths: readonly string[]): string {
  const root = join(tmp.dir, `repo-${n++}`)
  for (const p of paths) {
    mkdirSync(dirname(join(root, p)), { recursive: true })
    writeFileSync(join(root, p), '')
  }
  return root
}

test('every *.test.ts of this repository is in exactly one tier (tests/docs.test.ts too)', () => {
  assert.deepEqual(placementProblems(ROOT), [])
  const unit = tierFiles(ROOT, 'unit')
  assert.ok(unit.includes('tests/docs.test.ts'), 'tests/docs.test.ts runs in no tier')
  assert.ok(unit.includes('tests/test-tiers.test.ts'))
  assert.ok(unit.some((f) => f.startsWith('src/')) && unit.some((f) => f.startsWith('tests/integration/')))
  assert.ok(!unit.some((f) => f.startsWith('tests/realcloud/')), 'the real-cloud tests run in their own tier')
})

test('a test file outside every tier is named; a new folder under tests/ lands in the unit tier, tests/campaigns in its own', () => {
  const root = repo(['src/a/x.test.ts', 'tests/new-folder/y.test.ts', 'tests/campaigns/c.test.ts', 'tests/realcloud/r.test.ts', 'docs/z.test.ts', 'tests/support/helper.ts'])
  assert.deepEqual(placementProblems(root), ['docs/z.test.ts is in no tier of npm test (scripts/test-tiers.mjs): it would never run'])
  assert.deepEqual(tierFiles(root, 'unit'), ['src/a/x.test.ts', 'tests/new-folder/y.test.ts'])
  assert.deepEqual(tierFiles(root, 'campaigns'), ['tests/campaigns/c.test.ts'])
  assert.deepEqual(tierFiles(root, 'realcloud'), ['tests/realcloud/r.test.ts'])
})

test('the tiers as they were (src, tests/integration, tests/contract) are caught leaving tests/docs.test.ts out', () => {
  const old: TestTier[] = [
    { name: 'unit', concurrency: 2, roots: ['src', 'tests/integration', 'tests/contract'], except: [] },
    { name: 'realcloud', concurrency: 1, roots: ['tests/realcloud'], except: [] },
  ]
  assert.deepEqual(placementProblems(ROOT, old).filter((p) => p.startsWith('tests/docs.test.ts')), [
    'tests/docs.test.ts is in no tier of npm test (scripts/test-tiers.mjs): it would never run',
  ])
})

test('a file in two tiers, and a tier without files, are problems', () => {
  const root = repo(['tests/a.test.ts'])
  const tiers: TestTier[] = [
    { name: 'one', concurrency: 1, roots: ['tests'], except: [] },
    { name: 'two', concurrency: 1, roots: ['tests'], except: [] },
    { name: 'empty', concurrency: 1, roots: ['tests/none'], except: [] },
    { name: 'later', concurrency: 1, roots: ['tests/later'], except: [], mayBeEmpty: true },
  ]
  assert.deepEqual(placementProblems(root, tiers), ["tier 'empty' has no test files under tests/none", 'tests/a.test.ts is in tiers one and two: it would run twice'])
})

test('scripts/test-all.sh runs every tier, and package.json has a test:<tier> script for each', () => {
  const script = readFileSync(join(ROOT, 'scripts/test-all.sh'), 'utf8')
  const run = [...script.matchAll(/^run_tier ([\w-]+)/gm)].map((m) => m[1])
  assert.deepEqual(run, TIERS.map((t) => t.name))
  assert.match(script, /^node scripts\/list-tests\.mjs --check$/m, 'test-all.sh does not check the placement of test files')
  const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts
  for (const t of TIERS) assert.match(scripts[`test:${t.name}`] ?? '', new RegExp(`--tier ${t.name}\\b`), `package.json lacks test:${t.name}`)
})
