/** What the backup and retention cycles share: their deps and options, and one read of the cloud. */
import { hostname } from 'node:os'
import { randomUUID } from 'node:crypto'
import { UserError } from '../domain/errors.ts'
import type { BackupRecord, ServerRef, VolumeRef } from '../domain/inventory.ts'
import type { ListScope } from '../domain/ports.ts'
import type { Store } from '../domain/store-port.ts'
import type { BackupTaskResult } from '../executor/run-backup-tasks.ts'
import { discoverBackupTargets, type BackupDiscovery } from '../planner/backup-discovery.ts'
import type { BackupPlan } from '../planner/backup-plan.ts'
import { parseRetentionTime, type RetentionTime } from '../planner/retention-time.ts'
import type { CycleConfig } from '../domain/cycle-config.ts'
import { listAll, readWithRetry, scopeFor } from './cloud-reads.ts'
import type { CycleDeps } from './snapshot-cycle.ts'

export interface BackupCycleDeps extends CycleDeps {
  readonly store: Store
}

export interface BackupCycleOptions {
  readonly allProjects: boolean
  readonly dryRun?: boolean
  /** Plan only (`backup plan`): nothing is recorded or sent. */
  readonly planOnly?: boolean
  readonly signal?: AbortSignal
  /** Unique per worker; defaults to host:pid:random. */
  readonly owner?: string
  /**
   * Wait for the backups sent until each ended (default true: `backup run`). false (the daemon):
   * leave them in flight; the next cycle's listing settles them (settle-in-flight.ts).
   */
  readonly wait?: boolean
}

export interface BackupCycleReport {
  readonly now: Date
  readonly discovery: BackupDiscovery
  readonly plan: BackupPlan
  readonly planned: number
  /**
   * Tasks settled from this cycle's listing (left in flight by an earlier cycle), then the tasks this
   * cycle ran: finished, or `in_flight` when it did not wait.
   */
  readonly results: readonly BackupTaskResult[]
}

export const workerId = (): string => `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`

export function defaultRetention(config: CycleConfig): RetentionTime {
  const parsed = parseRetentionTime(String(config.conductor.retention_time))
  if (!parsed.ok) throw new UserError(`config conductor.retention_time: ${parsed.message}; accepted: ${parsed.accepted}`, 'CONFIG_INVALID')
  return parsed.value
}

export interface BackupInventory {
  readonly now: Date
  readonly scope: ListScope
  readonly servers: readonly ServerRef[]
  readonly volumes: readonly VolumeRef[]
  readonly backups: readonly BackupRecord[]
  readonly discovery: BackupDiscovery
}

/** Reads `now` once and lists servers, volumes and backups once per scope; discovers the targets. */
export async function backupInventory(deps: BackupCycleDeps, opts: BackupCycleOptions): Promise<BackupInventory> {
  const now = deps.clock.now()
  const c = deps.config.conductor
  const identity = await readWithRetry(deps, 'identity', () => deps.cloud.identity(opts.signal), opts.signal)
  const scope = await scopeFor(deps.cloud, identity, opts.allProjects)
  const [servers, volumes, backups] = await Promise.all([
    listAll(deps, 'server listing', () => deps.cloud.listServers(scope, opts.signal), opts.signal),
    listAll(deps, 'volume listing', () => deps.cloud.listVolumes(scope, opts.signal), opts.signal),
    listAll(deps, 'backup listing', () => deps.cloud.listBackups(scope, opts.signal), opts.signal),
  ])
  const discovery = discoverBackupTargets({
    servers,
    volumes,
    settings: { backupMetadataKey: c.backup_metadata_key, retentionMetadataKey: c.retention_metadata_key, defaultRetention: defaultRetention(deps.config) },
  })
  return { now, scope, servers, volumes, backups, discovery }
}
