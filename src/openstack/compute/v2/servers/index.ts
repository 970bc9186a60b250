export { create, get, getMetadata, list, remove, setMetadata } from './requests.ts'
export type { CreateOpts, ListOpts } from './requests.ts'
export type { CreatedServer, Server } from './results.ts'
