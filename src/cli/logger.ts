/** Builds the pino logger (stderr, JSON or pretty-free plain) with secret redaction. */
import { pino } from 'pino'
import type { Logger } from '../domain/logger.ts'

/** Paths pino blanks out wherever they appear (pino needs explicit paths, top-level included). */
export const REDACT_PATHS = [
  'password',
  'secret',
  'token',
  'authorization',
  '*.password',
  '*.secret',
  '*.token',
  '*.application_credential_secret',
  '*.authorization',
  '*["x-auth-token"]',
  '*["x-subject-token"]',
  'headers["x-auth-token"]',
  'auth.password',
  'auth.application_credential_secret',
  'auth.token',
]

export function buildLogger(level: string, destination: NodeJS.WritableStream = process.stderr): Logger {
  return lazyChildren(pino({ level, base: { app: 'snapwarden' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, destination as pino.DestinationStream))
}

/** The Logger port over a pino logger whose children are made when they first write (below). */
export function lazyChildren(root: pino.Logger): Logger {
  return new LazyChildren(root, () => root)
}

type Level = 'debug' | 'info' | 'warn' | 'error'

/**
 * The pino logger, whose children are made when they first write: a cycle makes a child per item
 * (its bindings), and a pino child with redaction costs kilobytes to build, 8,000 times in a
 * 10k-volume cycle, for lines that a command's default level (error) mostly never writes. Output
 * is pino's own, the same as with eager children: the bindings are copied when child() is called,
 * and a line below the level is dropped as pino drops it (children have the root's level: the
 * Logger port sets no other).
 */
class LazyChildren implements Logger {
  #made: pino.Logger | undefined
  readonly #root: pino.Logger
  readonly #make: () => pino.Logger

  constructor(root: pino.Logger, make: () => pino.Logger) {
    this.#root = root
    this.#make = make
  }

  #real(): pino.Logger {
    return (this.#made ??= this.#make())
  }

  #write(level: Level, obj: Record<string, unknown>, msg: string | undefined): void {
    if (!this.#root.isLevelEnabled(level)) return
    const real = this.#real()
    if (msg === undefined) real[level](obj)
    else real[level](obj, msg)
  }

  debug(obj: Record<string, unknown>, msg?: string): void {
    this.#write('debug', obj, msg)
  }

  info(obj: Record<string, unknown>, msg?: string): void {
    this.#write('info', obj, msg)
  }

  warn(obj: Record<string, unknown>, msg?: string): void {
    this.#write('warn', obj, msg)
  }

  error(obj: Record<string, unknown>, msg?: string): void {
    this.#write('error', obj, msg)
  }

  child(bindings: Record<string, unknown>): Logger {
    const copy = { ...bindings }
    return new LazyChildren(this.#root, () => this.#real().child(copy))
  }
}
