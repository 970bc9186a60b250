import { homedir } from 'node:os'
import { ConfigError } from '../core/errors.ts'
import type { CloudConfig } from './cloud-config.ts'
import { deepMerge, describeSearch, findConfigFile, isMapping, readYamlFile, type SearchDirs } from './config-files.ts'
import { ENV_CLOUD_NAME, envCloud, envVarFor } from './env-cloud.ts'
import { parseCloud } from './parse-cloud.ts'

export interface LoadCloudConfigOpts {
  /** The cloud to use; else OS_CLOUD, else the only cloud in clouds.yaml, else `envvars`. */
  readonly cloud?: string | undefined
  readonly env?: Readonly<Record<string, string | undefined>> | undefined
  readonly cwd?: string | undefined
  readonly home?: string | undefined
  /** Site directory searched last (default /etc/openstack). */
  readonly systemDir?: string | undefined
}

interface Sources {
  readonly cloudsPath: string | undefined
  readonly clouds: Record<string, unknown>
  readonly vendorPath: string | undefined
  readonly vendors: Record<string, unknown>
  readonly env: Record<string, unknown> | undefined
}

/**
 * Finds the cloud as openstacksdk does: clouds.yaml (OS_CLIENT_CONFIG_FILE, ./, ~/.config/openstack,
 * /etc/openstack) with secure.yaml merged in and `profile:` taken from clouds-public.yaml, or the
 * OS_* variables as the `envvars` cloud. Returns undefined when nothing at all is configured (no
 * file, no OS_* credentials, no cloud asked for); throws ConfigError for a missing or bad cloud.
 */
export function findCloudConfig(opts: LoadCloudConfigOpts = {}): CloudConfig | undefined {
  const dirs = searchDirsOf(opts)
  const env = dirs.env
  const src = readSources(dirs)
  const wanted = opts.cloud ?? (env['OS_CLOUD'] || undefined)
  const fileLabel = `clouds.yaml (${src.cloudsPath ?? `none found in ${describeSearch('clouds', dirs)}`})`
  const names = Object.keys(src.clouds)

  let name: string
  if (wanted !== undefined) name = wanted
  else if (names.length === 1) name = names[0] as string
  else if (src.env !== undefined) name = ENV_CLOUD_NAME
  else if (names.length === 0) return undefined
  else throw new ConfigError(`${fileLabel}: several clouds (${names.join(', ')}); choose one with OS_CLOUD or --os-cloud`)

  if (name in src.clouds) {
    const entry = withProfile(src.clouds[name], src, fileLabel, name)
    return parseCloud(entry, { name, source: fileLabel, keyName: (k) => `clouds.${name}${k ? `.${k}` : ''}` })
  }
  if (name === ENV_CLOUD_NAME && src.env !== undefined) {
    const source = 'environment (OS_* variables)'
    return parseCloud(src.env, { name, source, keyName: envVarFor })
  }
  const known = [...names, ...(src.env ? [ENV_CLOUD_NAME] : [])]
  throw new ConfigError(`${fileLabel}: clouds.${name} is not defined${known.length ? ` (known: ${known.join(', ')})` : ''}`)
}

/** Like findCloudConfig, but "nothing configured" is an error too, naming where it looked. */
export function loadCloudConfig(opts: LoadCloudConfigOpts = {}): CloudConfig {
  const found = findCloudConfig(opts)
  if (found === undefined) throw new ConfigError(describeNoCloud(opts))
  return found
}

/**
 * Why findCloudConfig found nothing, as one line naming every place it looked:
 * `no cloud configured: no clouds.yaml in /cwd/clouds.{yaml,yml,json}, …; OS_CLIENT_CONFIG_FILE, OS_CLOUD and OS_AUTH_URL are not set`.
 */
export function describeNoCloud(opts: LoadCloudConfigOpts = {}): string {
  return `no cloud configured: no clouds.yaml in ${describeSearch('clouds', searchDirsOf(opts))}; OS_CLIENT_CONFIG_FILE, OS_CLOUD and OS_AUTH_URL are not set`
}

function searchDirsOf(opts: LoadCloudConfigOpts): SearchDirs {
  return { env: opts.env ?? process.env, cwd: opts.cwd ?? process.cwd(), home: opts.home ?? homedir(), systemDir: opts.systemDir ?? '/etc/openstack' }
}

function readSources(dirs: SearchDirs): Sources {
  const cloudsPath = findConfigFile('clouds', 'OS_CLIENT_CONFIG_FILE', dirs)
  let clouds: Record<string, unknown> = {}
  if (cloudsPath !== undefined) clouds = cloudsOf(readYamlFile(cloudsPath, 'clouds.yaml'), 'clouds', cloudsPath, 'clouds.yaml')
  const securePath = findConfigFile('secure', 'OS_CLIENT_SECURE_FILE', dirs)
  if (securePath !== undefined) {
    clouds = deepMerge(clouds, cloudsOf(readYamlFile(securePath, 'secure.yaml'), 'clouds', securePath, 'secure.yaml'))
  }
  const vendorPath = findConfigFile('clouds-public', 'OS_CLIENT_VENDOR_FILE', dirs)
  const vendors = vendorPath === undefined ? {} : cloudsOf(readYamlFile(vendorPath, 'clouds-public.yaml'), 'public-clouds', vendorPath, 'clouds-public.yaml')
  return { cloudsPath, clouds, vendorPath, vendors, env: envCloud(dirs.env) }
}

function cloudsOf(doc: Record<string, unknown>, key: string, path: string, label: string): Record<string, unknown> {
  const v = doc[key]
  if (v === undefined || v === null) return {}
  if (!isMapping(v)) throw new ConfigError(`${label} (${path}): ${key} must be a mapping`)
  return v
}

/** Applies `profile:` (or the older `cloud:`) from clouds-public.yaml under the entry. */
function withProfile(entry: unknown, src: Sources, fileLabel: string, name: string): unknown {
  if (!isMapping(entry)) return entry
  const key = entry['profile'] !== undefined ? 'profile' : entry['cloud'] !== undefined ? 'cloud' : undefined
  if (key === undefined) return entry
  const profileName = String(entry[key])
  const profile = src.vendors[profileName]
  if (!isMapping(profile)) {
    const where = src.vendorPath ? `not in clouds-public.yaml (${src.vendorPath})` : 'unknown: no clouds-public.yaml found'
    throw new ConfigError(`${fileLabel}: clouds.${name}.${key} '${profileName}' is ${where}`)
  }
  return deepMerge(profile, entry)
}
