export { get, list } from './requests.ts'
export type { ListOpts } from './requests.ts'
export type { Project } from './results.ts'
