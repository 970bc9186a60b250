export { create, list, remove } from './requests.ts'
export type { CreateOpts } from './requests.ts'
export type { VolumeAttachment } from './results.ts'
