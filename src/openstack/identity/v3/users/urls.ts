import type { ServiceClient } from '../../../core/service-client.ts'

export const getUrl = (c: ServiceClient, id: string): string => c.url('users', id)
