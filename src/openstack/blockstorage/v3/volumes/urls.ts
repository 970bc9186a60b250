import type { ServiceClient } from '../../../core/service-client.ts'

export const listDetailUrl = (c: ServiceClient): string => c.url('volumes', 'detail')
export const getUrl = (c: ServiceClient, id: string): string => c.url('volumes', id)
export const metadataUrl = (c: ServiceClient, id: string): string => c.url('volumes', id, 'metadata')
export const metadataKeyUrl = (c: ServiceClient, id: string, key: string): string => c.url('volumes', id, 'metadata', key)
export const createUrl = (c: ServiceClient): string => c.url('volumes')
export const actionUrl = (c: ServiceClient, id: string): string => c.url('volumes', id, 'action')
