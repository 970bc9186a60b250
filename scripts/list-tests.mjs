// Which test files to run (Node 20's --test has no globs). The tiers live in scripts/test-tiers.mjs.
//   node scripts/list-tests.mjs --tier unit        the tier's files, one a line
//   node scripts/list-tests.mjs --concurrency unit the tier's --test-concurrency
//   node scripts/list-tests.mjs --check            exit 1 naming every *.test.ts in no tier (or in two)
//   node scripts/list-tests.mjs DIR...             every *.test.ts under the folders
import { resolve } from 'node:path'
import { placementProblems, testFilesUnder, tierByName, tierFiles } from './test-tiers.mjs'

const ROOT = resolve(import.meta.dirname, '..')
const [first, ...rest] = process.argv.slice(2)

try {
  if (first === '--check') {
    const problems = placementProblems(ROOT)
    if (problems.length) {
      console.error(`list-tests: ${problems.length} test file placement problem(s)\n${problems.join('\n')}`)
      process.exit(1)
    }
    console.log('list-tests: every *.test.ts is in exactly one tier')
  } else if (first === '--tier') {
    process.stdout.write(tierFiles(ROOT, tierByName(rest[0] ?? '')).join('\n'))
  } else if (first === '--concurrency') {
    process.stdout.write(String(tierByName(rest[0] ?? '').concurrency))
  } else {
    const dirs = first === undefined ? [] : [first, ...rest]
    const files = dirs.flatMap((d) => testFilesUnder(ROOT, d))
    process.stdout.write([...new Set(files)].sort().join('\n'))
  }
} catch (err) {
  console.error(`list-tests: ${err instanceof Error ? err.message : String(err)}`)
  process.exit(1)
}
