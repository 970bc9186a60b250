import type { ServiceClient } from '../../../core/service-client.ts'

export const listUrl = (c: ServiceClient, serverId: string): string => c.url('servers', serverId, 'os-volume_attachments')
export const getUrl = (c: ServiceClient, serverId: string, volumeId: string): string =>
  c.url('servers', serverId, 'os-volume_attachments', volumeId)
