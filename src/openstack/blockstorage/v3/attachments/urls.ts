import type { ServiceClient } from '../../../core/service-client.ts'

export const listDetailUrl = (c: ServiceClient): string => c.url('attachments', 'detail')
export const createUrl = (c: ServiceClient): string => c.url('attachments')
export const getUrl = (c: ServiceClient, id: string): string => c.url('attachments', id)
export const actionUrl = (c: ServiceClient, id: string): string => c.url('attachments', id, 'action')
