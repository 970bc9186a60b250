export { get } from './requests.ts'
export type { GetOpts } from './requests.ts'
export type { QuotaSet, QuotaUsage } from './results.ts'
