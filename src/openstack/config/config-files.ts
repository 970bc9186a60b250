import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse, YAMLParseError } from 'yaml'
import { ConfigError } from '../core/errors.ts'

export interface SearchDirs {
  readonly env: Readonly<Record<string, string | undefined>>
  readonly cwd: string
  readonly home: string
  /** The site directory (default /etc/openstack). */
  readonly systemDir: string
}

const SUFFIXES = ['.yaml', '.yml', '.json']

/** openstacksdk's search path: the current directory, ~/.config/openstack, /etc/openstack. */
export function searchDirs(d: SearchDirs): string[] {
  const configHome = d.env['XDG_CONFIG_HOME'] || join(d.home, '.config')
  return [d.cwd, join(configHome, 'openstack'), d.systemDir]
}

/** The places searched for `<base>.yaml|.yml|.json`, as one line: `/cwd/clouds.{yaml,yml,json}, …`. */
export function describeSearch(base: string, d: SearchDirs): string {
  return searchDirs(d).map((dir) => join(dir, `${base}.{${SUFFIXES.map((s) => s.slice(1)).join(',')}}`)).join(', ')
}

/**
 * The first existing `<base>.yaml|.yml|.json` in the search path. A file named by `envVar`
 * (OS_CLIENT_CONFIG_FILE, OS_CLIENT_SECURE_FILE, OS_CLIENT_VENDOR_FILE) is the one used, and its
 * absence is an error rather than a reason to look elsewhere: a typo there must not select another
 * cloud (or none) silently.
 */
export function findConfigFile(base: string, envVar: string | undefined, d: SearchDirs): string | undefined {
  const fromEnv = envVar === undefined ? undefined : d.env[envVar]
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new ConfigError(`${envVar} names ${fromEnv}, which does not exist`)
    return fromEnv
  }
  for (const dir of searchDirs(d)) {
    for (const s of SUFFIXES) {
      const p = join(dir, base + s)
      if (existsSync(p)) return p
    }
  }
  return undefined
}

/**
 * Reads YAML 1.1 as PyYAML does (`verify: no` is false). Parse errors name the file, line and
 * column only: yaml's own messages quote source lines, which may hold a password.
 */
export function readYamlFile(path: string, label: string): Record<string, unknown> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new ConfigError(`${label} (${path}): cannot read: ${(err as NodeJS.ErrnoException).code ?? 'error'}`)
  }
  let doc: unknown
  try {
    doc = parse(text, { version: '1.1', merge: true, prettyErrors: false })
  } catch (err) {
    const where = err instanceof YAMLParseError ? ` at line ${text.slice(0, err.pos[0]).split('\n').length}` : ''
    const code = err instanceof YAMLParseError ? ` (${err.code})` : ''
    throw new ConfigError(`${label} (${path}): invalid YAML${where}${code}`)
  }
  if (doc === null || doc === undefined) return {}
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(`${label} (${path}): the top level must be a mapping`)
  return doc as Record<string, unknown>
}

export function isMapping(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

/** Deep merge of mappings; `over` wins, arrays and scalars are replaced. */
export function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base }
  for (const [k, v] of Object.entries(over)) {
    const b = out[k]
    out[k] = isMapping(b) && isMapping(v) ? deepMerge(b, v) : v
  }
  return out
}
