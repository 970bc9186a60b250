/** Finds and reads the configuration file: the only I/O of this room. */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { UserError } from '../domain/errors.ts'
import type { Config } from './schema.ts'
import { validateConfig } from './validate.ts'

export interface LoadOptions {
  /** --config / SNAPWARDEN_CONFIG; a named file that is missing is an error. */
  readonly path?: string
  readonly env: Readonly<Record<string, string | undefined>>
  readonly cwd: string
  readonly home: string
}

export interface LoadedConfig {
  readonly config: Config
  /** The file read, or undefined when the defaults apply. */
  readonly file?: string
}

/** Search order: --config, SNAPWARDEN_CONFIG, ./snapwarden.yaml, $XDG_CONFIG_HOME/snapwarden/config.yaml, /etc/snapwarden/config.yaml. */
export function configCandidates(opts: LoadOptions): string[] {
  const xdg = opts.env.XDG_CONFIG_HOME || join(opts.home, '.config')
  return [join(opts.cwd, 'snapwarden.yaml'), join(xdg, 'snapwarden', 'config.yaml'), '/etc/snapwarden/config.yaml']
}

export function loadConfig(opts: LoadOptions): LoadedConfig {
  const named = opts.path ?? opts.env.SNAPWARDEN_CONFIG
  if (named && !existsSync(named)) throw new UserError(`config file ${named} does not exist`, 'CONFIG_NOT_FOUND')
  const file = named ?? configCandidates(opts).find((p) => existsSync(p))
  if (!file) return { config: expectValid(validateConfig({}), '(defaults)') }
  let doc: unknown
  try {
    doc = parse(readFileSync(file, 'utf8'), { version: '1.1' })
  } catch (err) {
    throw new UserError(`config file ${file}: not valid YAML: ${(err as Error).message.split('\n')[0]}`, 'CONFIG_INVALID')
  }
  return { config: expectValid(validateConfig(doc), file), file }
}

function expectValid(result: ReturnType<typeof validateConfig>, file: string): Config {
  if (result.ok) return result.config
  const first = result.problems[0]
  const more = result.problems.length > 1 ? ` (and ${result.problems.length - 1} more problem(s))` : ''
  throw new UserError(`config file ${file}: ${first?.path}: ${first?.message}${more}`, 'CONFIG_INVALID')
}
