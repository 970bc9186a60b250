/**
 * The `…/{id}/metadata` sub-resource shared by Cinder volumes and snapshots and Nova servers:
 * `{"metadata": {…}}` bodies, POST merges (other keys kept), DELETE of one key.
 */
import type { ServiceClient } from './service-client.ts'

export function parseMetadata(raw: unknown): Record<string, string> {
  return (raw as { metadata?: Record<string, string> } | undefined)?.metadata ?? {}
}

export async function getMetadata(client: ServiceClient, url: string, signal?: AbortSignal): Promise<Record<string, string>> {
  const res = await client.get(url, { okCodes: [200], signal })
  return parseMetadata(res.body)
}

/** POST: merges these keys; returns the whole metadata. */
export async function mergeMetadata(
  client: ServiceClient,
  url: string,
  metadata: Readonly<Record<string, string>>,
  signal?: AbortSignal,
): Promise<Record<string, string>> {
  const res = await client.post(url, { metadata }, { okCodes: [200], signal })
  return parseMetadata(res.body)
}

/**
 * For a listing whose items repeat the same metadata (a window's snapshots all carry the plan's
 * marks, about ten keys): returns the metadata it was last given when this one has the same pairs,
 * else this one, frozen. A listing of thousands of snapshots then holds one metadata object per run
 * of equal ones instead of one per snapshot (each a few hundred bytes). The object handed back is
 * shared: frozen, as the plan's marks are.
 */
export function metadataSharing(): (metadata: Record<string, string>) => Readonly<Record<string, string>> {
  let last: Readonly<Record<string, string>> | undefined
  let lastKeys: readonly string[] = []
  return (metadata) => {
    if (last !== undefined && samePairs(metadata, last, lastKeys)) return last
    last = Object.freeze(metadata)
    lastKeys = Object.keys(metadata)
    return last
  }
}

function samePairs(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>, bKeys: readonly string[]): boolean {
  let n = 0
  for (const k in a) {
    if (!Object.hasOwn(a, k)) continue
    if (!Object.hasOwn(b, k) || a[k] !== b[k]) return false
    n++
  }
  return n === bKeys.length
}

/**
 * Interns the values a listing repeats (project ids: a listing of 100k volumes has a few hundred
 * distinct ones, and each parsed item has its own copy of the string): equal values come back as
 * one string. Bounded: past `max` distinct values it forgets them and starts again.
 */
export function stringSharing(max = 1024): (value: string) => string {
  const seen = new Map<string, string>()
  return (value) => {
    const had = seen.get(value)
    if (had !== undefined) return had
    if (seen.size >= max) seen.clear()
    seen.set(value, value)
    return value
  }
}
