/**
 * A typed OpenStack client (Keystone v3, Cinder v3, Nova v2.1), laid out like gophercloud.
 * Resources are imported as namespaces from their folders, e.g.
 * `import * as volumes from './blockstorage/v3/volumes/index.ts'`.
 */
export { connect, SUPPORTED_MICROVERSIONS } from './connection.ts'
export type { Connection, ConnectOptions } from './connection.ts'
export { CloudConfig, findCloudConfig, loadCloudConfig } from './config/index.ts'
export type { LoadCloudConfigOpts } from './config/index.ts'
export * from './core/errors.ts'
export type { RequestEvent } from './core/request.ts'
export { ServiceClient } from './core/service-client.ts'
export { ProviderClient } from './core/provider-client.ts'
