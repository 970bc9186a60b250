import type { ErrorInfo } from '../../domain/errors.ts'
import type { BackupCatalog, BackupTask, BackupTaskStore, TaskOutcome, TrackedBackup } from '../../domain/store-port.ts'

export type FakeBackupStore = BackupTaskStore & BackupCatalog & {
  readonly tasks: Map<string, BackupTask>
  readonly tracked: Map<string, TrackedBackup>
  /** Every mutation in order: `intent t1 name`, `started t1 backup-0001`, `finish t1 succeeded`. */
  readonly log: string[]
}

const notInFake = (name: string) => (): never => {
  throw new Error(`fake store: ${name} is not implemented`)
}

/** The part of the store the backup conductor uses, in memory. */
export function createFakeBackupStore(tasks: readonly BackupTask[]): FakeBackupStore {
  const byId = new Map(tasks.map((t) => [t.id, t]))
  const tracked = new Map<string, TrackedBackup>()
  const log: string[] = []
  const update = (id: string, patch: Partial<BackupTask>): BackupTask => {
    const next = { ...byId.get(id)!, ...patch }
    byId.set(id, next)
    return next
  }
  return {
    tasks: byId,
    tracked,
    log,
    async recordIntent(taskId, _owner, backupName) {
      log.push(`intent ${taskId} ${backupName}`)
      return update(taskId, { backupName })
    },
    async markStarted(taskId, _owner, backupId, now, deadlineAt) {
      log.push(`started ${taskId} ${backupId}`)
      update(taskId, { state: 'started', backupId, startedAt: now, ...(deadlineAt && { deadlineAt }) })
    },
    async leaveInFlight(taskId) {
      log.push(`in flight ${taskId}`)
      const t = byId.get(taskId)!
      return update(taskId, t.deadlineAt ? { leaseExpiresAt: t.deadlineAt } : {})
    },
    async settleInFlight(taskId, backupId, outcome, now, error) {
      const t = byId.get(taskId)
      if (t?.state !== 'started' || t.backupId !== backupId) return false
      log.push(`settle ${taskId} ${outcome}`)
      update(taskId, { state: outcome, finishedAt: now, ...(error && { errorCode: error.code, errorMessage: error.message }) })
      return true
    },
    async renewLease(taskId) {
      return byId.get(taskId)!
    },
    async confirmLease(taskId, _owner, _now, _leaseMs, intent) {
      if (intent !== undefined) log.push(`intent ${taskId} ${intent}`)
      log.push(`confirm ${taskId}`)
      if (intent !== undefined) update(taskId, { backupName: intent })
    },
    async releaseTask(taskId) {
      log.push(`release ${taskId}`)
      const { owner: _owner, leaseExpiresAt: _lease, ...rest } = byId.get(taskId)!
      byId.set(taskId, rest)
      return rest
    },
    async finishTask(taskId: string, _owner: string, outcome: TaskOutcome, now: Date, error?: ErrorInfo) {
      log.push(`finish ${taskId} ${outcome}`)
      update(taskId, { state: outcome, finishedAt: now, ...(error && { errorCode: error.code, errorMessage: error.message }) })
    },
    async finishTasks(entries) {
      const out: (Error | undefined)[] = []
      for (const e of entries) {
        if (e.backup) await this.updateBackupStatus(e.backup.backupId, e.backup.status, e.backup.completedAt)
        await this.finishTask(e.taskId, e.owner, e.outcome, e.now, e.error)
        out.push(undefined)
      }
      return out
    },
    async recordBackup(b) {
      if (tracked.has(b.backupId)) return false
      tracked.set(b.backupId, b)
      return true
    },
    async updateBackupStatus(id, status, completedAt) {
      const b = tracked.get(id)
      if (!b) return false
      tracked.set(id, { ...b, status, ...(completedAt && { completedAt }) })
      return true
    },
    async markBackupDeleted(id, now) {
      const b = tracked.get(id)
      if (!b) return false
      tracked.set(id, { ...b, deletedAt: b.deletedAt ?? now })
      return true
    },
    async getTask(id) {
      return byId.get(id)
    },
    async getBackup(id) {
      return tracked.get(id)
    },
    async isTracked(id) {
      return tracked.has(id) && !tracked.get(id)!.deletedAt
    },
    planTasks: notInFake('planTasks'),
    recordOverQuota: notInFake('recordOverQuota'),
    claimTasks: notInFake('claimTasks'),
    cancelTask: notInFake('cancelTask'),
    openTasks: notInFake('openTasks'),
    tasksForReport: notInFake('tasksForReport'),
    markReported: notInFake('markReported'),
    pruneTasks: notInFake('pruneTasks'),
    listBackups: notInFake('listBackups'),
  }
}
