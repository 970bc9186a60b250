import type { ServiceClient } from '../../../core/service-client.ts'

export const listUrl = (c: ServiceClient): string => c.url('projects')
export const getUrl = (c: ServiceClient, id: string): string => c.url('projects', id)
