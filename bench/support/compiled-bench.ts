/**
 * Runs a bench file as compiled JavaScript, as the installed CLI runs (bin/snapwarden.mjs runs
 * dist/): a bench file started as TypeScript through tsx builds the CLI when dist/ is older than
 * src/ (scripts/build.mjs, what `npm ci` runs), compiles the benchmarks (tsconfig.bench.json: the
 * bench files into dist/bench, importing the CLI's modules in dist/src) and runs the compiled file
 * in a child process with the same arguments and environment, waiting for it and taking its exit
 * code. The launcher's own memory is not measured: the child is the client.
 *
 * BENCH_TS=1 runs the TypeScript in place instead (to compare; its figures include tsx).
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** True when this module runs compiled (from dist/bench), false when it runs as TypeScript. */
export const RUNNING_COMPILED = import.meta.url.endsWith('.js')

/** The file next to this one under the same build: `x.ts` as TypeScript, `x.js` compiled. */
export function sibling(name: string, base: string): string {
  return fileURLToPath(new URL(RUNNING_COMPILED ? name.replace(/\.ts$/, '.js') : name, base))
}

/** The newest modification time of the .ts files (not tests) under `dir`. */
function newestSource(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path))
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(path).mtimeMs)
  }
  return newest
}

function run(what: string, args: readonly string[]): void {
  const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] })
  // tsc exits 2 when it found type errors but wrote every output (as scripts/build.mjs accepts).
  if (r.status !== 0 && r.status !== 2) throw new Error(`${what} failed (exit ${r.status ?? r.signal})`)
  if (r.status === 2) process.stderr.write(`bench: ${what}: type errors (above); the compiled files were written and are run\n`)
}

/** Builds what the compiled bench needs: the CLI when stale, then the benchmarks. */
export function buildCompiledBench(): void {
  const stamp = `${ROOT}dist/.built`
  if (!existsSync(stamp) || statSync(stamp).mtimeMs < newestSource(`${ROOT}src`)) run('npm run build (scripts/build.mjs)', ['scripts/build.mjs'])
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
  run('building the benchmarks (tsconfig.bench.json)', [tsc, '-p', 'tsconfig.bench.json'])
}

/**
 * When this bench file runs as TypeScript: builds, runs its compiled twin with the same arguments,
 * sets this process's exit code from it, and returns true (the caller does nothing more). Returns
 * false when already compiled (or BENCH_TS=1): the caller runs the bench itself.
 */
export function relaunchCompiled(moduleUrl: string, name: string): boolean {
  if (RUNNING_COMPILED || process.env['BENCH_TS'] === '1') return false
  const source = fileURLToPath(moduleUrl)
  if (!source.startsWith(`${ROOT}bench/`)) throw new Error(`${name} bench: ${source} is not under ${ROOT}bench/`)
  try {
    buildCompiledBench()
  } catch (err) {
    process.stderr.write(`${name} bench: ${err instanceof Error ? err.message : String(err)}\n`)
    process.exitCode = 1
    return true
  }
  const compiled = `${ROOT}dist/${source.slice(ROOT.length).replace(/\.ts$/, '.js')}`
  if (!existsSync(compiled)) {
    process.stderr.write(`${name} bench: ${compiled} was not built (is ${source.slice(ROOT.length)} in tsconfig.bench.json?)\n`)
    process.exitCode = 1
    return true
  }
  const r = spawnSync(process.execPath, [compiled, ...process.argv.slice(2)], { stdio: 'inherit' })
  process.exitCode = r.status ?? 1
  return true
}
