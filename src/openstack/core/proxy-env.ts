/**
 * Proxy settings from the environment, read as Python's requests (and so openstacksdk) reads them:
 * `https_proxy`/`HTTPS_PROXY` for https URLs, `http_proxy`/`HTTP_PROXY` for http URLs,
 * `all_proxy`/`ALL_PROXY` for either when the specific one is unset, the lower-case spelling first;
 * `no_proxy`/`NO_PROXY` lists hosts reached directly.
 */
import { BlockList, isIP } from 'node:net'
import { ConfigError } from './errors.ts'

export interface ProxySettings {
  /** Proxy URL for http:// requests. */
  readonly http?: string | undefined
  /** Proxy URL for https:// requests. */
  readonly https?: string | undefined
  /** NO_PROXY as given: host names (a leading `.` or `*.` allowed), `host:port`, IP addresses, CIDR blocks, or `*`. */
  readonly noProxy?: string | undefined
}

type Env = Readonly<Record<string, string | undefined>>

function first(env: Env, ...names: string[]): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = env[name]?.trim()
    if (value) return { name, value }
  }
  return undefined
}

/** The proxy settings the environment asks for; a proxy URL that does not parse names its variable. */
export function proxyFromEnv(env: Env): ProxySettings {
  const all = first(env, 'all_proxy', 'ALL_PROXY')
  const http = first(env, 'http_proxy', 'HTTP_PROXY') ?? all
  const https = first(env, 'https_proxy', 'HTTPS_PROXY') ?? all
  return {
    http: http && proxyUrl(http.name, http.value),
    https: https && proxyUrl(https.name, https.value),
    noProxy: first(env, 'no_proxy', 'NO_PROXY')?.value,
  }
}

/** requests adds `http://` to a proxy given as `host:port`. */
function proxyUrl(name: string, value: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`
  try {
    new URL(withScheme)
  } catch {
    // The value may carry a password: name the variable only.
    throw new ConfigError(`${name} is not a valid proxy URL; accepted: http://host:port (user:password@ allowed)`)
  }
  return withScheme
}

/** The proxy URL to send a request to `url` through, or undefined to connect directly. */
export function proxyFor(settings: ProxySettings, url: string): string | undefined {
  const u = new URL(url)
  const proxy = u.protocol === 'https:' ? settings.https : u.protocol === 'http:' ? settings.http : undefined
  if (proxy === undefined) return undefined
  const port = Number(u.port) || (u.protocol === 'https:' ? 443 : 80)
  return bypasses(settings.noProxy ?? '', u.hostname.replace(/^\[|\]$/g, '').toLowerCase(), port) ? undefined : proxy
}

function bypasses(noProxy: string, host: string, port: number): boolean {
  for (const raw of noProxy.split(/[,\s]+/)) {
    const entry = raw.trim().toLowerCase()
    if (entry === '') continue
    if (entry === '*') return true
    if (entry.includes('/')) {
      if (inCidr(host, entry)) return true
      continue
    }
    // `host:port` (not an IPv6 address, which has several colons)
    const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(entry)
    const name = (m ? m[1]! : entry).replace(/^\[|\]$/g, '').replace(/^\*?\./, '')
    if (m && Number(m[2]) !== port) continue
    if (host === name || host.endsWith(`.${name}`)) return true
  }
  return false
}

function inCidr(host: string, cidr: string): boolean {
  const family = isIP(host)
  const [net, bits] = cidr.split('/')
  const netFamily = isIP(net ?? '')
  if (family === 0 || netFamily !== family) return false
  const prefix = Number(bits)
  const type = family === 4 ? 'ipv4' : 'ipv6'
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) return false
  const list = new BlockList()
  list.addSubnet(net!, prefix, type)
  return list.check(host, type)
}
