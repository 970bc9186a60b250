import { parseWireTime } from '../../../core/wire-time.ts'

/** A Cinder attachment (API 3.27+). Connection info is left out on purpose. */
export interface Attachment {
  readonly id: string
  readonly status: string
  readonly volumeId: string
  /** The server (Nova instance) uuid. */
  readonly instanceId: string | undefined
  readonly attachMode: string | undefined
  readonly attachedAt: Date | undefined
  readonly detachedAt: Date | undefined
}

interface AttachmentBody {
  id: string
  status: string
  volume_id: string
  instance?: string | null
  attach_mode?: string | null
  attached_at?: string | null
  detached_at?: string | null
}

export function parseAttachment(raw: unknown): Attachment {
  const b = raw as AttachmentBody
  return {
    id: b.id,
    status: b.status,
    volumeId: b.volume_id,
    instanceId: b.instance ?? undefined,
    attachMode: b.attach_mode ?? undefined,
    attachedAt: parseWireTime(b.attached_at),
    detachedAt: parseWireTime(b.detached_at),
  }
}
