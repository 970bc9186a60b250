import type { ServiceClient } from '../../../core/service-client.ts'

export const listDetailUrl = (c: ServiceClient): string => c.url('flavors', 'detail')
