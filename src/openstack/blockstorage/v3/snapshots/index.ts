export { create, forceDelete, get, getMetadata, list, listPages, remove, resetStatus, setMetadata } from './requests.ts'
export type { CreateOpts, ListOpts } from './requests.ts'
export type { Snapshot } from './results.ts'
