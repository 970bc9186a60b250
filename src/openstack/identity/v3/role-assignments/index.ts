export { list } from './requests.ts'
export type { ListOpts } from './requests.ts'
export type { NamedRef, RoleAssignment } from './results.ts'
