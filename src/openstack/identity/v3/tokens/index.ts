export { create, toAuthBody } from './requests.ts'
export type { ApplicationCredentialAuth, AuthOptions, PasswordAuth, Scope, TokenAuth, UserRef } from './requests.ts'
export type { NamedRef, Token, TokenProject, TokenUser } from './results.ts'
export { createUrl } from './urls.ts'
