// `npm run build` (and `prepare`, which npm runs on `npm ci` / `npm install`): compiles src/ into
// dist/ with tsconfig.build.json, then stamps dist/.built with the time the build STARTED, so a
// source edited while tsc ran still counts as newer than the build (bin/snapwarden.mjs checks).
import { spawnSync } from 'node:child_process'
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const started = new Date()
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' })
// tsc exits 2 when it found type errors but wrote every output: dist/ is then what tsx would have run,
// so it is stamped (a checkout with work in progress still runs), and the build still fails.
if (r.status !== 0 && r.status !== 2) process.exit(r.status ?? 1)
mkdirSync(`${root}dist`, { recursive: true })
writeFileSync(`${root}dist/.built`, `${started.toISOString()}\n`)
utimesSync(`${root}dist/.built`, started, started)
if (r.status !== 0) {
  process.stderr.write('build: type errors (above); dist/ was written and stamped, the build fails\n')
  process.exit(r.status)
}
