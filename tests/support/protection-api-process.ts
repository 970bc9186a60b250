/**
 * `snapwarden api` as a child process (the real CLI), on a port the OS picks: resolves once it
 * prints where it serves. Stop it with `stop()` (SIGTERM, then SIGKILL after 5 s).
 */
import { spawnCli, type CliOptions, type CliResult } from './run-cli.ts'

export interface ApiProcess {
  /** `http://127.0.0.1:PORT` or `https://…`. */
  readonly url: string
  readonly port: number
  /** The server's process id (the CLI runs in this process). */
  readonly pid: number
  stderr(): string
  /** Resolves when the process exits by itself (or by stop()). */
  readonly exited: Promise<CliResult>
  /** Resolves once stderr (from the start) matches `re`; rejects if the process exits first. */
  waitForStderr(re: RegExp): Promise<RegExpExecArray>
  stop(): Promise<CliResult>
}

export interface ApiProcessOptions extends CliOptions {
  readonly startTimeoutMs?: number
  /** The stderr line that names the URL (first group); default: `snapwarden api: serving … on URL`. */
  readonly ready?: RegExp
}

export async function startApiProcess(args: readonly string[], opts: ApiProcessOptions = {}): Promise<ApiProcess> {
  const { child, done } = spawnCli(args, opts)
  let stderr = ''
  child.stderr?.on('data', (d: string) => (stderr += d))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`snapwarden api did not start in time:\n${stderr}`)), opts.startTimeoutMs ?? 30_000)
    const onData = () => {
      const m = (opts.ready ?? /snapwarden api: serving .* on (https?:\/\/[^\s]+)/).exec(stderr)
      if (m) {
        clearTimeout(timer)
        child.stderr?.off('data', onData)
        resolve(m[1]!)
      }
    }
    child.stderr?.on('data', onData)
    void done.then((r) => {
      clearTimeout(timer)
      reject(new Error(`snapwarden api exited before serving (exit ${r.code}):\n${r.stderr}`))
    })
  })
  return {
    url,
    port: Number(new URL(url).port),
    pid: child.pid!,
    stderr: () => stderr,
    exited: done,
    waitForStderr: (re) =>
      new Promise<RegExpExecArray>((resolve, reject) => {
        const check = () => {
          const m = re.exec(stderr)
          if (!m) return false
          child.stderr?.off('data', onData)
          resolve(m)
          return true
        }
        const onData = () => void check()
        if (check()) return
        child.stderr?.on('data', onData)
        void done.then((r) => {
          if (!check()) reject(new Error(`snapwarden api exited (exit ${r.code}) before stderr matched ${re}:\n${r.stderr}`))
        })
      }),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      const kill = setTimeout(() => child.kill('SIGKILL'), 5000)
      try {
        return await done
      } finally {
        clearTimeout(kill)
      }
    },
  }
}
