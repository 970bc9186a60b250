/**
 * The backup conductor (Staffeln's job): one backup cycle (retention is in retention-cycle.ts). It reads `now`
 * once, lists servers, volumes and backups once per scope, plans with pure functions, records
 * tasks in the store, and lets the executor run what it claimed.
 */
import { randomUUID } from 'node:crypto'
import { toErrorInfo } from '../domain/errors.ts'
import type { BlockStorageQuota } from '../domain/inventory.ts'
import type { BackupTask as StoredTask } from '../domain/store-port.ts'
import { Pool } from '../executor/pool.ts'
import { runBackupTasks, type BackupTaskResult } from '../executor/run-backup-tasks.ts'
import { BACKUP_DESCRIPTION, BACKUP_MARKS } from '../planner/backup-marks.ts'
import { backupName, planBackups } from '../planner/backup-plan.ts'
import { backupInventory, workerId, type BackupCycleDeps, type BackupCycleOptions, type BackupCycleReport } from './backup-inventory.ts'
import { readWithRetry } from './cloud-reads.ts'

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
  for (const o of plan.overQuota) deps.metrics.inc('snapwarden_backups_over_quota_total', { project: o.task.projectId })
  const results = await executeClaimed(deps, owner, opts.signal)
  return { now, discovery, plan, planned: inserted.inserted.length, results }
}

/** Claims planned tasks (and in-flight tasks of dead workers) and runs them until none is left. */
export async function executeClaimed(deps: BackupCycleDeps, owner: string, signal?: AbortSignal): Promise<BackupTaskResult[]> {
  const c = deps.config.conductor
  const timeoutMs = c.backup_cycle_timeout * 1000
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
      try {
        results.push(...(await runBackupTasks([task], { ...deps, store: deps.store }, options)))
      } catch (err) {
        // Its lease ran out and another worker re-claimed it: that worker carries it on.
        if (toErrorInfo(err).code !== 'STORE_CONFLICT') throw err
        deps.logger.warn({ taskId: task.id, volumeId: task.volumeId, owner }, 'backup task was re-claimed by another worker; leaving it to that worker')
      }
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
