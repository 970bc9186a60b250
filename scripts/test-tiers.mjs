// The tiers of `npm test` (scripts/test-all.sh runs them in this order) and the *.test.ts files each runs.
// Every *.test.ts in the repository belongs to exactly one tier: `node scripts/list-tests.mjs --check`
// (a step of test-all.sh) and tests/test-tiers.test.ts fail otherwise. A new folder under src/ or tests/
// lands in the unit tier by itself. Importing this module runs nothing.
import { readdirSync, statSync } from 'node:fs'
import { join, relative, sep } from 'node:path'

/**
 * name; concurrency (node --test); roots: folders (relative to the repo root) whose *.test.ts it runs;
 * except: folders under those roots that belong to another tier; mayBeEmpty: no files yet is not an error.
 */
export const TIERS = [
  // Unit, simulator, contract (simulator), store (SQLite + PostgreSQL), CLI and daemon tests, and the
  // benchmarks' own checks (bench/**/*.test.ts: their lower bounds and success checks, not timings).
  { name: 'unit', concurrency: 2, roots: ['src', 'tests', 'bench', 'scripts'], except: ['tests/campaigns', 'tests/realcloud'] },
  // Seeded campaigns (overlap, crash, faults, several daemons): each starts several processes or a busy
  // simulator itself, so they run one file at a time after the unit tier, not beside it on 2 cores.
  { name: 'campaigns', concurrency: 1, roots: ['tests/campaigns'], except: [], mayBeEmpty: true },
  // Against the devcloud (../shared/devcloud), which test-all.sh brings up in the background meanwhile.
  { name: 'realcloud', concurrency: 1, roots: ['tests/realcloud'], except: [] },
]

/** node_modules, and scratch/: git-ignored local experiments (never part of a clone). */
const SKIP_DIRS = new Set(['node_modules', 'scratch'])
const toPosix = (p) => p.split(sep).join('/')
const under = (file, dir) => file === dir || file.startsWith(`${dir}/`)

/** Every *.test.ts under `dir` (relative to `root`, posix separators, sorted); dot folders, node_modules and scratch skipped. */
export function testFilesUnder(root, dir = '.') {
  const out = []
  const walk = (abs) => {
    let names
    try {
      names = readdirSync(abs)
    } catch (err) {
      if (err.code === 'ENOENT' && abs !== root) return // a tier folder that does not exist (yet)
      throw err
    }
    for (const name of names) {
      if (SKIP_DIRS.has(name) || name.startsWith('.')) continue
      const p = join(abs, name)
      if (statSync(p).isDirectory()) walk(p)
      else if (name.endsWith('.test.ts')) out.push(toPosix(relative(root, p)))
    }
  }
  walk(join(root, dir))
  return out.sort()
}

export function tierByName(name) {
  const tier = TIERS.find((t) => t.name === name)
  if (!tier) throw new Error(`no test tier '${name}'; tiers: ${TIERS.map((t) => t.name).join(', ')}`)
  return tier
}

/** The files a tier runs, relative to `root`. */
export function tierFiles(root, tier, tiers = TIERS) {
  const t = typeof tier === 'string' ? tiers.find((x) => x.name === tier) : tier
  if (!t) throw new Error(`no test tier '${tier}'`)
  return t.roots
    .flatMap((r) => testFilesUnder(root, r))
    .filter((f) => !t.except.some((d) => under(f, d)))
    .filter((f, i, all) => all.indexOf(f) === i)
    .sort()
}

/**
 * Problems with the placement of test files: a file in no tier (it would never run), a file in two
 * tiers (it would run twice), a tier with no files (unless it may be empty). Empty when all is well.
 */
export function placementProblems(root, tiers = TIERS) {
  const problems = []
  const owners = new Map()
  for (const t of tiers) {
    const files = tierFiles(root, t, tiers)
    if (files.length === 0 && !t.mayBeEmpty) problems.push(`tier '${t.name}' has no test files under ${t.roots.join(', ')}`)
    for (const f of files) owners.set(f, [...(owners.get(f) ?? []), t.name])
  }
  for (const f of testFilesUnder(root)) {
    const names = owners.get(f) ?? []
    if (names.length === 0) problems.push(`${f} is in no tier of npm test (scripts/test-tiers.mjs): it would never run`)
    else if (names.length > 1) problems.push(`${f} is in tiers ${names.join(' and ')}: it would run twice`)
  }
  return problems
}
