import type { Command as Commander } from 'commander'
import type { CliDeps } from './deps.ts'

/** One CLI verb (restic's cmd_<verb>.go): options are validated before anything runs. */
export interface CliCommand<O> {
  /** Space-separated path: `plan`, `backup run`, `db migrate`. */
  readonly name: string
  readonly summary: string
  /** Adds arguments and options to the commander command. */
  readonly configure?: (cmd: Commander) => void
  /** Validates raw options; throws a UserError (exit 1) that names the option. */
  parseOptions(raw: Readonly<Record<string, unknown>>, args: readonly string[]): O
  /** Does the work; resolves to the exit code. */
  run(opts: O, deps: CliDeps): Promise<number>
}

export function defineCommand<O>(c: CliCommand<O>): CliCommand<O> {
  return c
}
