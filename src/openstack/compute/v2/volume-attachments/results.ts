export interface VolumeAttachment {
  readonly volumeId: string
  readonly serverId: string
  readonly device: string | undefined
  /** Cinder's attachment id. Requires microversion 2.89 or later. */
  readonly attachmentId: string | undefined
}

interface VolumeAttachmentBody {
  volumeId: string
  serverId: string
  device?: string | null
  attachment_id?: string
}

export function parseVolumeAttachment(raw: unknown): VolumeAttachment {
  const b = raw as VolumeAttachmentBody
  return { volumeId: b.volumeId, serverId: b.serverId, device: b.device ?? undefined, attachmentId: b.attachment_id }
}
