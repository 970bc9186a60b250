import type { ServiceClient } from '../../../core/service-client.ts'

export const createUrl = (c: ServiceClient): string => c.url('auth', 'tokens')
