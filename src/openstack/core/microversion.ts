import type { RequestSender } from './request.ts'

export interface VersionInfo {
  readonly id: string
  readonly status: string
  /** Highest microversion ("" when the API has none, e.g. Nova v2.0). */
  readonly version: string
  readonly minVersion: string
}

interface VersionBody {
  id: string
  status?: string
  version?: string
  min_version?: string
}

/** Compares "3.43" and "3.7" numerically per part. */
export function compareMicroversions(a: string, b: string): number {
  const [amaj = 0, amin = 0] = a.split('.').map(Number)
  const [bmaj = 0, bmin = 0] = b.split('.').map(Number)
  return amaj - bmaj || amin - bmin
}

/**
 * The highest microversion both sides support, or undefined when the service has no
 * microversions or the ranges do not overlap.
 */
export function negotiateMicroversion(server: VersionInfo, ours: { min: string; max: string }): string | undefined {
  if (server.version === '') return undefined
  const high = compareMicroversions(server.version, ours.max) < 0 ? server.version : ours.max
  const low = compareMicroversions(server.minVersion || ours.min, ours.min) > 0 ? server.minVersion : ours.min
  return compareMicroversions(high, low) >= 0 ? high : undefined
}

/**
 * Reads the version document of the API behind `endpoint`. Tries the unversioned root first (it is
 * public; Cinder's `/v3/` needs a token) and picks the entry of the endpoint's major version; then
 * falls back to the versioned URL (`{"version": …}`) through `authed`.
 */
export async function discoverVersion(
  endpoint: string,
  bare: RequestSender,
  authed: RequestSender,
  signal?: AbortSignal,
  /** The catalog type behind `endpoint`, for request counters. */
  service?: string,
): Promise<VersionInfo | undefined> {
  const u = new URL(endpoint)
  const segments = u.pathname.split('/')
  const vIndex = segments.findIndex((s) => /^v\d+(\.\d+)?$/.test(s))
  const wanted = vIndex >= 0 ? segments[vIndex] : undefined
  const rootPath = vIndex >= 0 ? `${segments.slice(0, vIndex).join('/')}/` : u.pathname
  const root = await bare.send({ method: 'GET', url: `${u.origin}${rootPath}`, okCodes: [200, 300], signal, service }).catch(() => undefined)
  const picked = root ? pickVersion(root.body, wanted) : undefined
  if (picked) return picked
  if (vIndex < 0) return undefined
  const versioned = `${u.origin}${segments.slice(0, vIndex + 1).join('/')}/`
  const res = await authed.send({ method: 'GET', url: versioned, okCodes: [200, 300], signal, service })
  return pickVersion(res.body, wanted)
}

function pickVersion(body: unknown, wanted: string | undefined): VersionInfo | undefined {
  if (body === null || typeof body !== 'object') return undefined
  const b = body as { version?: VersionBody; versions?: VersionBody[] | { values?: VersionBody[] } }
  const list = b.version ? [b.version] : Array.isArray(b.versions) ? b.versions : (b.versions?.values ?? [])
  const major = wanted?.replace(/\..*$/, '')
  const found =
    list.find((v) => v.id === wanted) ??
    list.find((v) => major !== undefined && v.id.replace(/\..*$/, '') === major && /current|stable/i.test(v.status ?? '')) ??
    (wanted === undefined ? list.find((v) => /current/i.test(v.status ?? '')) : undefined)
  if (!found) return undefined
  return { id: found.id, status: found.status ?? '', version: found.version ?? '', minVersion: found.min_version ?? '' }
}
