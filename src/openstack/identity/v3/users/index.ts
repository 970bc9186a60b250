export { get, listInProject } from './requests.ts'
export type { ProjectMember } from './requests.ts'
export type { User } from './results.ts'
