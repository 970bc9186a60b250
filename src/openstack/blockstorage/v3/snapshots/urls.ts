import type { ServiceClient } from '../../../core/service-client.ts'

export const listDetailUrl = (c: ServiceClient): string => c.url('snapshots', 'detail')
export const createUrl = (c: ServiceClient): string => c.url('snapshots')
export const getUrl = (c: ServiceClient, id: string): string => c.url('snapshots', id)
export const actionUrl = (c: ServiceClient, id: string): string => c.url('snapshots', id, 'action')
export const metadataUrl = (c: ServiceClient, id: string): string => c.url('snapshots', id, 'metadata')
