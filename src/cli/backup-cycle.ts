/**
 * The backup conductor (Staffeln's job): one backup cycle and one retention cycle. Each reads `now`
 * once, lists servers, volumes and backups once per scope, plans with pure functions, records
 * tasks in the store, and lets the executor run what it claimed.
 */
import { hostname } from 'node:os'
import { randomUUID } from 'node:crypto'
import type { Clock, Random, Sleep } from '../domain/clock.ts'
import { toErrorInfo } from '../domain/errors.ts'
import type { BackupRecord, BlockStorageQuota, ServerRef, VolumeRef } from '../domain/inventory.ts'
import type { Logger } from '../domain/logger.ts'
import type { Metrics } from '../domain/metrics.ts'
import type { Cloud, ListScope } from '../domain/ports.ts'
import type { BackupTask as StoredTask, Store } from '../domain/store-port.ts'
import { Pool } from '../executor/pool.ts'
import { waitForStatus } from '../executor/wait-for-status.ts'
import { runBackupTasks, type BackupTaskResult } from '../executor/run-backup-tasks.ts'
import { discoverBackupTargets, type BackupDiscovery } from '../planner/backup-discovery.ts'
import { BACKUP_DESCRIPTION, BACKUP_MARKS } from '../planner/backup-marks.ts'
import { backupName, planBackups, type BackupPlan } from '../planner/backup-plan.ts'
import { applyBackupRetention, type BackupRetentionResult } from '../planner/backup-retention.ts'
import { parseRetentionTime, retentionCutoff, type RetentionTime } from '../planner/retention-time.ts'
import type { Config } from '../config/schema.ts'
import { durationSeconds } from '../config/validate.ts'
import { UserError } from '../domain/errors.ts'
import { listAll, readWithRetry, scopeFor } from './cloud-scope.ts'

export interface BackupCycleDeps {
  readonly cloud: Cloud
  readonly store: Store
  readonly clock: Clock
  readonly sleep: Sleep
  readonly random: Random
  readonly logger: Logger
  readonly metrics: Metrics
  readonly config: Config
}

export interface BackupCycleOptions {
  readonly allProjects: boolean
  readonly dryRun?: boolean
  /** Plan only (`backup plan`): nothing is recorded or sent. */
  readonly planOnly?: boolean
  readonly signal?: AbortSignal
  /** Unique per worker; defaults to host:pid:random. */
  readonly owner?: string
}

export interface BackupCycleReport {
  readonly now: Date
  readonly discovery: BackupDiscovery
  readonly plan: BackupPlan
  readonly planned: number
  readonly results: readonly BackupTaskResult[]
}

export const workerId = (): string => `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`

function defaultRetention(config: Config): RetentionTime {
  const parsed = parseRetentionTime(String(config.conductor.retention_time))
  if (!parsed.ok) throw new UserError(`config conductor.retention_time: ${parsed.message}; accepted: ${parsed.accepted}`, 'CONFIG_INVALID')
  return parsed.value
}

interface BackupInventory {
  readonly now: Date
  readonly scope: ListScope
  readonly servers: readonly ServerRef[]
  readonly volumes: readonly VolumeRef[]
  readonly backups: readonly BackupRecord[]
  readonly discovery: BackupDiscovery
}

/** Reads `now` once and lists servers, volumes and backups once per scope; discovers the targets. */
async function backupInventory(deps: BackupCycleDeps, opts: BackupCycleOptions): Promise<BackupInventory> {
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

export async function runBackupCycle(deps: BackupCycleDeps, opts: BackupCycleOptions): Promise<BackupCycleReport> {
  const c = deps.config.conductor
  const { now, servers, volumes, backups, discovery } = await backupInventory(deps, opts)
  for (const p of discovery.problems) deps.logger.warn({ serverId: p.serverId, key: p.key, value: p.value }, p.message)
  const projects = [...new Set(discovery.targets.map((t) => t.projectId))]
  const quotas = await Promise.all(projects.map((p) => quotaOrUndefined(deps, p, opts.signal)))
  const openTasks = await deps.store.openTasks()
  const plan = planBackups({
    targets: discovery.targets,
    backups,
    openTasks,
    quotas: quotas.filter((q): q is BlockStorageQuota => q !== undefined),
    settings: { fullBackupDepth: c.full_backup_depth, backupMinIntervalMs: c.backup_min_interval * 1000 },
    now,
  })
  if (opts.planOnly || opts.dryRun) return { now, discovery, plan, planned: 0, results: [] }

  const cycleId = randomUUID()
  const byVolume = new Map(volumes.map((v) => [v.id, v]))
  const byServer = new Map(servers.map((s) => [s.id, s]))
  const newTask = (t: (typeof plan.tasks)[number]) => ({
    cycleId,
    projectId: t.projectId,
    serverId: t.serverId,
    serverName: byServer.get(t.serverId)?.name ?? t.serverId,
    volumeId: t.volumeId,
    volumeName: byVolume.get(t.volumeId)?.name ?? '',
    kind: t.kind,
    plannedAt: now,
  })
  const inserted = await deps.store.planTasks(plan.tasks.map(newTask))
  // Over quota is its own result: recorded as a finished task, never sent to Cinder.
  const owner = opts.owner ?? workerId()
  for (const o of plan.overQuota) {
    await deps.store.recordOverQuota(newTask(o.task), now, { code: 'EXEC_OVER_QUOTA', message: o.message })
    deps.logger.warn({ volumeId: o.task.volumeId, projectId: o.task.projectId }, o.message)
  }
  if (plan.overQuota.length) deps.metrics.inc('snapwarden_backups_over_quota_total', {}, plan.overQuota.length)
  const results = await executeClaimed(deps, owner, opts.signal)
  return { now, discovery, plan, planned: inserted.inserted.length, results }
}

/** Claims planned tasks (and in-flight tasks of dead workers) and runs them until none is left. */
export async function executeClaimed(deps: BackupCycleDeps, owner: string, signal?: AbortSignal): Promise<BackupTaskResult[]> {
  const c = deps.config.conductor
  const timeoutMs = durationSeconds(c.backup_cycle_timout ?? c.backup_cycle_timeout) * 1000
  const leaseMs = Math.max(5 * 60_000, 2 * timeoutMs)
  const results: BackupTaskResult[] = []
  const pool = new Pool({ global: c.backup_workers, perProject: Math.max(1, Math.ceil(c.backup_workers / 2)) })
  const options = {
    owner,
    pool,
    backupTimeoutMs: timeoutMs,
    leaseMs,
    pollIntervalMs: 5_000,
    describe: (t: StoredTask) => ({
      description: BACKUP_DESCRIPTION,
      metadata: { [BACKUP_MARKS.automated]: 'True', [BACKUP_MARKS.managed]: 'true', [BACKUP_MARKS.serverId]: t.serverId },
    }),
    ...(signal ? { signal } : {}),
  }
  // backup_workers loops, each claiming one task when it is free: a slot is refilled as soon as its
  // backup finishes, and a task is only leased while it runs. Bounded: stops when nothing is left.
  const worker = async (): Promise<void> => {
    for (let i = 0; i < 100_000 && !signal?.aborted; i++) {
      const [claimed] = await deps.store.claimTasks(owner, 1, deps.clock.now(), leaseMs)
      if (!claimed) return
      const task = claimed.backupName
        ? claimed
        : await deps.store.recordIntent(claimed.id, owner, backupName(claimed.serverName, claimed.volumeName || claimed.volumeId, claimed.plannedAt))
      results.push(...(await runBackupTasks([task], { ...deps, store: deps.store }, options)))
    }
  }
  await Promise.all(Array.from({ length: c.backup_workers }, worker))
  for (const r of results) if (r.outcome !== 'succeeded') deps.logger.warn({ taskId: r.taskId, outcome: r.outcome, error: r.error }, 'backup task did not succeed')
  return results
}

async function quotaOrUndefined(deps: BackupCycleDeps, projectId: string, signal?: AbortSignal): Promise<BlockStorageQuota | undefined> {
  try {
    return await readWithRetry(deps, `quota of ${projectId}`, () => deps.cloud.getQuota(projectId, signal), signal)
  } catch (err) {
    deps.logger.warn({ projectId, error: toErrorInfo(err) }, 'backup quota could not be read; planning without a quota check')
    return undefined
  }
}

export interface RetentionReport {
  readonly now: Date
  readonly perVolume: readonly { readonly volumeId: string; readonly result: BackupRetentionResult }[]
  readonly deleted: readonly string[]
  readonly failed: readonly { readonly backupId: string; readonly code: string; readonly message: string }[]
  readonly closedRows: number
}

/** Retention: chain-aware, deletes children first, never blocks on "Incremental backups exist". */
export async function runRetentionCycle(deps: BackupCycleDeps, opts: BackupCycleOptions): Promise<RetentionReport> {
  const c = deps.config.conductor
  const { now, scope, backups, discovery } = await backupInventory(deps, opts)
  // Backups deleted outside Snapwarden close their rows.
  const present = new Set(backups.map((b) => b.id))
  let closedRows = 0
  if (!opts.planOnly && !opts.dryRun) {
    for (const tracked of await deps.store.listBackups({ includeDeleted: false })) {
      if (scopeCovers(scope, tracked.projectId) && !present.has(tracked.backupId)) {
        if (await deps.store.markBackupDeleted(tracked.backupId, now)) closedRows++
      }
    }
  }
  const retentionOf = new Map(discovery.targets.map((t) => [t.volume.id, t.retention]))
  const byVolume = new Map<string, BackupRecord[]>()
  for (const b of backups) byVolume.set(b.volumeId, [...(byVolume.get(b.volumeId) ?? []), b])
  const perVolume: { volumeId: string; result: BackupRetentionResult }[] = []
  for (const [volumeId, list] of [...byVolume].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const retention = retentionOf.get(volumeId) ?? defaultRetention(deps.config)
    perVolume.push({
      volumeId,
      result: applyBackupRetention({
        backups: list,
        retentionCutoff: retentionCutoff(retention, now, deps.config.timezone),
        ...(c.keep_count !== undefined ? { keepCount: c.keep_count } : {}),
        ...(c.keep_tiers !== undefined ? { tiers: c.keep_tiers } : {}),
        timezone: deps.config.timezone,
        now,
      }),
    })
  }
  const deleted: string[] = []
  const failed: { backupId: string; code: string; message: string }[] = []
  if (!opts.planOnly && !opts.dryRun) {
    const pool = new Pool({ global: c.backup_workers, perProject: c.backup_workers })
    await Promise.all(
      perVolume.map(({ volumeId, result }) =>
        pool.run(volumeId, () => deleteChildrenFirst(deps, result, now, deleted, failed, opts.signal), opts.signal ? { signal: opts.signal } : {}),
      ),
    )
  }
  return { now, perVolume, deleted, failed, closedRows }
}

/**
 * Deletes one volume's expired backups in the planned order (children first). Cinder refuses a
 * parent while a child is still `deleting`, so each delete is followed until the backup is gone
 * before the next one is sent. A refusal or a delete that does not finish in time stops this
 * volume until the next retention cycle: nothing is retried in a loop.
 */
async function deleteChildrenFirst(
  deps: BackupCycleDeps,
  result: BackupRetentionResult,
  now: Date,
  deleted: string[],
  failed: { backupId: string; code: string; message: string }[],
  signal?: AbortSignal,
): Promise<void> {
  const timeoutMs = durationSeconds(deps.config.conductor.backup_cycle_timout ?? deps.config.conductor.backup_cycle_timeout) * 1000
  for (const [i, { backup }] of result.remove.entries()) {
    try {
      await deps.cloud.deleteBackup(backup.id, signal)
      if (i < result.remove.length - 1) {
        await waitForStatus((sig) => deps.cloud.getBackup(backup.id, sig), {
          target: 'deleted',
          failures: ['error_deleting'],
          timeoutMs,
          intervalMs: 2_000,
          clock: deps.clock,
          sleep: deps.sleep,
          what: `backup ${backup.id} being deleted`,
          ...(signal ? { signal } : {}),
        })
      }
      await deps.store.markBackupDeleted(backup.id, now)
      deleted.push(backup.id)
      deps.metrics.inc('snapwarden_backups_deleted_total', { project: backup.projectId })
    } catch (err) {
      const info = toErrorInfo(err)
      failed.push({ backupId: backup.id, ...info })
      deps.logger.warn({ backupId: backup.id, volumeId: backup.volumeId, error: info }, 'backup delete refused or unfinished; retried next retention cycle')
      return
    }
  }
}

function scopeCovers(scope: ListScope, projectId: string): boolean {
  return scope.allProjects || scope.projectId === projectId
}
