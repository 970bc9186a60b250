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
