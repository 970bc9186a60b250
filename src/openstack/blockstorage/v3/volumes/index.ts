export { create, deleteMetadataKey, forceDelete, get, getMetadata, list, remove, resetStatus, setMetadata } from './requests.ts'
export type { CreateOpts, ListOpts, RemoveOpts } from './requests.ts'
export type { Volume, VolumeAttachment } from './results.ts'
