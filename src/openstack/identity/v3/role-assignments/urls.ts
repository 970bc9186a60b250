import type { ServiceClient } from '../../../core/service-client.ts'

export const listUrl = (c: ServiceClient): string => c.url('role_assignments')
