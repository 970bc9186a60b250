/** Runs the real CLI (`node bin/snapwarden.mjs`) as a child process with a clean environment. */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { stringify } from 'yaml'

export const CLI_PATH = fileURLToPath(new URL('../../bin/snapwarden.mjs', import.meta.url))

export interface CliResult {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

export interface CliOptions {
  /** Added to the clean environment (PATH and HOME only, no OS_* variables). */
  readonly env?: Readonly<Record<string, string>>
  /** Working directory and HOME; defaults to a fresh temp dir per call. */
  readonly dir?: string
  /** The child is killed (SIGKILL) after this long; default 60 s. */
  readonly timeoutMs?: number
}

/** A temp dir removed by the returned function. */
export function tempDir(prefix = 'swtest-I-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** PATH and HOME only: no OS_* variables, so without a clouds.yaml no cloud is configured (pass --simulator for the built-in one). */
export function cleanEnv(home: string, extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, ...extra }
}

export interface SpawnedCli {
  readonly child: ChildProcess
  readonly done: Promise<CliResult>
}

export function spawnCli(args: readonly string[], opts: CliOptions = {}): SpawnedCli {
  const own = opts.dir === undefined ? tempDir() : undefined
  const dir = opts.dir ?? own!.dir
  const child = spawn(process.execPath, [CLI_PATH, ...args], { cwd: dir, env: cleanEnv(dir, opts.env), stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d))
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000)
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      own?.remove()
      resolve({ code, signal, stdout, stderr })
    })
  })
  return { child, done }
}

export function runCli(args: readonly string[], opts: CliOptions = {}): Promise<CliResult> {
  return spawnCli(args, opts).done
}

/** Writes `clouds.yaml` with these entries into `dir` and returns its path. */
export function writeCloudsYaml(dir: string, clouds: Readonly<Record<string, unknown>>): string {
  const path = join(dir, 'clouds.yaml')
  writeFileSync(path, stringify({ clouds }), { mode: 0o600 })
  return path
}

/** Writes a snapwarden.yaml into `dir` and returns its path. */
export function writeConfig(dir: string, config: Readonly<Record<string, unknown>>): string {
  const path = join(dir, 'snapwarden.yaml')
  writeFileSync(path, stringify(config))
  return path
}

/** The CLI's result as one string for assertion messages. */
export function describeRun(r: CliResult): string {
  return `exit ${r.code}${r.signal ? ` (${r.signal})` : ''}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`
}
