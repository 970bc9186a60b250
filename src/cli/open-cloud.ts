/**
 * Which cloud a command acts on, and opening it. The built-in demo simulator is used only when
 * asked for (--simulator); with no cloud configured a command stops (exit 1) naming where it looked.
 */
import { homedir } from 'node:os'
import type { Config } from '../config/schema.ts'
import { UserError } from '../domain/errors.ts'
import type { Logger } from '../domain/logger.ts'
import type { Metrics } from '../domain/metrics.ts'
import type { Cloud } from '../domain/ports.ts'
import { describeNoCloud, findCloudConfig, type CloudConfig } from '../openstack/config/index.ts'
import { VERSION } from './version.ts'

export interface OpenedCloud {
  readonly cloud: Cloud
  /** What the user sees: `devcloud-admin` or `built-in simulator (--simulator)`. */
  readonly label: string
  readonly simulated: boolean
  close(): Promise<void>
}

/** The cloud a command will act on: a resolved clouds.yaml/OS_* entry, or the built-in simulator. */
export type CloudChoice = { readonly kind: 'simulator' } | { readonly kind: 'cloud'; readonly config: CloudConfig }

export interface ChooseCloudOptions {
  /** --simulator was given. */
  readonly simulator: boolean
  /** The cloud asked for and where that came from, e.g. `{ name: 'prod', source: '--os-cloud' }`. */
  readonly named?: { readonly name: string; readonly source: string } | undefined
  readonly env: NodeJS.ProcessEnv
  readonly cwd?: string | undefined
  readonly home?: string | undefined
}

export const SIMULATOR_LABEL = 'built-in simulator (--simulator)'

/**
 * Resolves the cloud without contacting it: reads clouds.yaml/secure.yaml/OS_* (a named file that
 * is missing, an unknown cloud or a bad entry throws ConfigError, exit 1), and refuses to guess:
 * nothing configured is a UserError naming every place looked at and the --simulator flag.
 */
export function chooseCloud(opts: ChooseCloudOptions): CloudChoice {
  if (opts.simulator) {
    if (opts.named) {
      throw new UserError(`--simulator and ${opts.named.source} "${opts.named.name}" both choose the cloud; use one of them`)
    }
    return { kind: 'simulator' }
  }
  const lookup = { env: opts.env, cwd: opts.cwd ?? process.cwd(), home: opts.home ?? homedir(), cloud: opts.named?.name }
  const config = findCloudConfig(lookup)
  if (config === undefined) {
    throw new UserError(`${describeNoCloud(lookup)}. Configure a cloud, or pass --simulator to use the built-in demo simulator`, 'OS_CONFIG')
  }
  return { kind: 'cloud', config }
}

export interface OpenCloudOptions {
  readonly env: NodeJS.ProcessEnv
  readonly logger: Logger
  readonly metrics: () => Metrics
  /** Keep-alive connections per API endpoint (connectionsFor); the client's default when absent. */
  readonly connections?: number
}

/**
 * Keep-alive connections per API endpoint: one for each request the configured workers may have in
 * flight (`conductor.backup_workers`, `snapshots.concurrency`) and 8 more for what goes beside
 * them (tokens for other projects, listing and poll rounds), at least 16. Fewer would hold
 * requests back below the configured concurrency, or make a create wait behind a poll.
 */
export function connectionsFor(config: Pick<Config, 'conductor' | 'snapshots'>): number {
  return Math.max(16, config.conductor.backup_workers + 8, config.snapshots.concurrency + 8)
}

export async function openCloud(choice: CloudChoice, opts: OpenCloudOptions): Promise<OpenedCloud> {
  const connectOpts = { userAgent: `snapwarden/${VERSION}`, onRequest: countCalls(opts.metrics), env: opts.env, connections: opts.connections }
  // The OpenStack client (and its HTTP stack) is loaded by the commands that open a cloud, not by the others.
  const [{ connect }, { OpenStackCloud, projectScopedConnector }] = await Promise.all([import('../openstack/connection.ts'), import('../cloud/openstack-cloud.ts')])
  if (choice.kind === 'simulator') {
    // Loaded only with --simulator: the simulator (and its HTTP server) is no part of a real run.
    const { startDemoSimulator } = await import('./demo-simulator.ts')
    const sim = await startDemoSimulator()
    opts.logger.info({}, 'using the built-in demo simulator (--simulator)')
    // The simulator listens on loopback: never through a proxy the environment names.
    const conn = await connect(sim.cloudConfig, { ...connectOpts, env: {} })
    return {
      cloud: new OpenStackCloud(conn),
      label: SIMULATOR_LABEL,
      simulated: true,
      close: async () => {
        await conn.close()
        await sim.close()
      },
    }
  }
  const { config } = choice
  const conn = await connect(config, connectOpts)
  const cloud = new OpenStackCloud(
    conn,
    // Only the token is per project: endpoints come from its catalog, microversions from `conn`.
    projectScopedConnector(conn),
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
  return (e: { method: string; service: string; route: string; status?: number | undefined; durationMs: number }) => {
    metrics().inc('snapwarden_cloud_api_calls_total', { method: e.method, status: String(e.status ?? 'network_error') })
    metrics().inc('snapwarden_openstack_requests_total', { service: e.service, method: e.method, route: e.route })
    metrics().observe('snapwarden_cloud_api_call_duration_seconds', e.durationMs / 1000, { method: e.method })
  }
}
