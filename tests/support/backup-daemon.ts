/** The `daemon` command as a child process: collect its output and wait for lines in it. */
import type { ChildProcess } from 'node:child_process'

export interface OutputCollector {
  /** Everything stdout and stderr printed so far. */
  text(): string
  /** Resolves with the first match of `re` in the output (past or future); rejects after `timeoutMs` or when the process exits first. */
  waitFor(re: RegExp, timeoutMs: number): Promise<RegExpMatchArray>
  /** Resolves with the exit code, or rejects after `timeoutMs`. */
  exit(timeoutMs: number): Promise<number | null>
}

/** Attach right after spawning, so nothing printed is missed. */
export function collectOutput(child: ChildProcess): OutputCollector {
  let text = ''
  let exited: { code: number | null } | undefined
  const waiters = new Set<() => void>()
  const wake = () => {
    for (const w of [...waiters]) w()
  }
  child.stdout?.on('data', (d: string | Buffer) => ((text += String(d)), wake()))
  child.stderr?.on('data', (d: string | Buffer) => ((text += String(d)), wake()))
  child.on('exit', (code) => ((exited = { code }), wake()))

  const until = <T>(check: () => T | undefined, onExit: () => Error | undefined, timeoutMs: number, what: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const finish = (fn: () => void) => {
        clearTimeout(timer)
        waiters.delete(poll)
        fn()
      }
      const poll = () => {
        const got = check()
        if (got !== undefined) return finish(() => resolve(got))
        const err = exited ? onExit() : undefined
        if (err) finish(() => reject(err))
      }
      const timer = setTimeout(() => finish(() => reject(new Error(`${what} not seen within ${timeoutMs} ms; output:\n${text}`))), timeoutMs)
      waiters.add(poll)
      poll()
    })

  return {
    text: () => text,
    waitFor: (re, timeoutMs) =>
      until(() => re.exec(text) ?? undefined, () => new Error(`the process exited (code ${exited?.code}) before ${re} appeared; output:\n${text}`), timeoutMs, String(re)),
    // `code` is null when a signal killed the process.
    exit: (timeoutMs) => until(() => exited?.code, () => undefined, timeoutMs, 'exit'),
  }
}
