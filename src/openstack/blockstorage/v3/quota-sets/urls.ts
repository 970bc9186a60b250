import type { ServiceClient } from '../../../core/service-client.ts'

export const getUrl = (c: ServiceClient, projectId: string): string => c.url('os-quota-sets', projectId)
