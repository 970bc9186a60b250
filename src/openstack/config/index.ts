export { AUTH_TYPES, CloudConfig } from './cloud-config.ts'
export type { AuthType, CloudConfigInit } from './cloud-config.ts'
export { describeNoCloud, findCloudConfig, loadCloudConfig } from './load-cloud-config.ts'
export type { LoadCloudConfigOpts } from './load-cloud-config.ts'
