import { compact } from '../../../core/compact.ts'
import type { ServiceClient } from '../../../core/service-client.ts'
import { parseVolumeAttachment, type VolumeAttachment } from './results.ts'
import { getUrl, listUrl } from './urls.ts'

/** GET /servers/{id}/os-volume_attachments (one page: Nova lists a server's few attachments at once). */
export async function list(client: ServiceClient, serverId: string, signal?: AbortSignal): Promise<VolumeAttachment[]> {
  const res = await client.get(listUrl(client, serverId), { okCodes: [200], signal })
  return ((res.body as { volumeAttachments?: unknown[] }).volumeAttachments ?? []).map(parseVolumeAttachment)
}

export interface CreateOpts {
  readonly volumeId: string
  readonly device?: string | undefined
}

/** POST /servers/{id}/os-volume_attachments (200): attaches; the volume becomes `in-use`. */
export async function create(client: ServiceClient, serverId: string, opts: CreateOpts, signal?: AbortSignal): Promise<VolumeAttachment> {
  const volumeAttachment = compact({ volumeId: opts.volumeId, device: opts.device })
  const res = await client.post(listUrl(client, serverId), { volumeAttachment }, { okCodes: [200], signal })
  return parseVolumeAttachment((res.body as { volumeAttachment: unknown }).volumeAttachment)
}

/** DELETE /servers/{id}/os-volume_attachments/{volume_id} (202): detaches. */
export async function remove(client: ServiceClient, serverId: string, volumeId: string, signal?: AbortSignal): Promise<void> {
  await client.delete(getUrl(client, serverId, volumeId), { okCodes: [202], signal })
}
