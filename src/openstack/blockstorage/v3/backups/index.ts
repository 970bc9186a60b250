export { create, forceDelete, get, list, listPages, remove, resetStatus, restore } from './requests.ts'
export type { CreateOpts, ListOpts, Restore, RestoreOpts } from './requests.ts'
export type { Backup, CreatedBackup } from './results.ts'
