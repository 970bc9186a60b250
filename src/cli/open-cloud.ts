/** Opens the configured cloud, or the built-in simulator when nothing is configured. */
import { homedir } from 'node:os'
import type { Logger } from '../domain/logger.ts'
import type { Metrics } from '../domain/metrics.ts'
import type { Cloud } from '../domain/ports.ts'
import { OpenStackCloud } from '../cloud/openstack-cloud.ts'
import { findCloudConfig, loadCloudConfig } from '../openstack/config/index.ts'
import { connect } from '../openstack/connection.ts'
import { startDemoSimulator } from './demo-simulator.ts'
import { VERSION } from './version.ts'

export interface OpenedCloud {
  readonly cloud: Cloud
  /** What the user sees: `devcloud-admin (clouds.yaml /path)` or `built-in simulator`. */
  readonly label: string
  readonly simulated: boolean
  close(): Promise<void>
}

export interface OpenCloudOptions {
  readonly cloudName?: string | undefined
  readonly env: NodeJS.ProcessEnv
  readonly logger: Logger
  readonly metrics: () => Metrics
}

export async function openCloud(opts: OpenCloudOptions): Promise<OpenedCloud> {
  const lookup = { env: opts.env, cwd: process.cwd(), home: homedir() }
  const config = opts.cloudName ? loadCloudConfig({ ...lookup, cloud: opts.cloudName }) : findCloudConfig(lookup)
  if (config === undefined) {
    const sim = await startDemoSimulator()
    opts.logger.info({}, 'no cloud configured (no clouds.yaml, OS_CLOUD or OS_AUTH_URL): using the built-in simulator')
    const conn = await connect(sim.cloudConfig, { userAgent: `snapwarden/${VERSION}`, onRequest: countCalls(opts.metrics) })
    return {
      cloud: new OpenStackCloud(conn),
      label: 'built-in simulator (no cloud configured)',
      simulated: true,
      close: async () => {
        await conn.close()
        await sim.close()
      },
    }
  }
  const connectOpts = { userAgent: `snapwarden/${VERSION}`, onRequest: countCalls(opts.metrics) }
  const conn = await connect(config, connectOpts)
  const cloud = new OpenStackCloud(
    conn,
    config.authType === 'v3applicationcredential' ? undefined : (projectId) => connect(config.withProjectScope(projectId), connectOpts),
    (projectId, err) =>
      opts.logger.warn(
        { projectId, error: (err as Error).message },
        `no token for project ${projectId} (the user has no role there): its snapshots and backups are created in the credential's own project; give the user a role in ${projectId} to keep them with their volumes`,
      ),
  )
  return {
    cloud,
    label: config.name,
    simulated: false,
    close: async () => {
      await cloud.closeScoped()
      await conn.close()
    },
  }
}

function countCalls(metrics: () => Metrics) {
  return (e: { method: string; status?: number | undefined; durationMs: number }) => {
    metrics().inc('snapwarden_cloud_api_calls_total', { method: e.method, status: String(e.status ?? 'network_error') })
    metrics().observe('snapwarden_cloud_api_call_duration_seconds', e.durationMs / 1000, { method: e.method })
  }
}
