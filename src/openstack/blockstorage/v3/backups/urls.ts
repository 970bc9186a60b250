import type { ServiceClient } from '../../../core/service-client.ts'

export const listDetailUrl = (c: ServiceClient): string => c.url('backups', 'detail')
export const createUrl = (c: ServiceClient): string => c.url('backups')
export const getUrl = (c: ServiceClient, id: string): string => c.url('backups', id)
export const actionUrl = (c: ServiceClient, id: string): string => c.url('backups', id, 'action')
export const restoreUrl = (c: ServiceClient, id: string): string => c.url('backups', id, 'restore')
