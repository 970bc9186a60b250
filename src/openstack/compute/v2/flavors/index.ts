export { list } from './requests.ts'
export type { Flavor } from './results.ts'
