import type { ServiceClient } from '../../../core/service-client.ts'

export const listDetailUrl = (c: ServiceClient): string => c.url('servers', 'detail')
export const createUrl = (c: ServiceClient): string => c.url('servers')
export const getUrl = (c: ServiceClient, id: string): string => c.url('servers', id)
export const metadataUrl = (c: ServiceClient, id: string): string => c.url('servers', id, 'metadata')
