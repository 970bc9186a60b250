export { complete, create, list, remove } from './requests.ts'
export type { CreateOpts, ListOpts } from './requests.ts'
export type { Attachment } from './results.ts'
