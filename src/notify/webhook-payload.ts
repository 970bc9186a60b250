/**
 * The JSON a failure webhook carries: a summary of one run and its failed items. Item fields use
 * SnapSentry's snake_case names (`service`, `volume_id`, `snapshot_id`, `virtual_machine_id`,
 * `message`), so receivers written for SnapSentry's failure notifications can read them.
 */
import type { FailedItem, FailureCounts } from '../domain/failure-report.ts'

export type { FailedItem }

export interface WebhookFailure {
  readonly service: 'snapwarden'
  /** What was being done: create, delete, backup, … */
  readonly action: string
  readonly volume_id: string
  readonly project_id: string
  readonly snapshot_id?: string
  readonly backup_id?: string
  readonly virtual_machine_id?: string
  readonly policy?: string
  readonly code: string
  readonly message: string
}

export interface WebhookPayload {
  readonly event: 'run_failed'
  readonly service: 'snapwarden'
  readonly run_id: string
  readonly job: string
  readonly started_at: string
  readonly finished_at: string
  readonly counts: { readonly succeeded: number; readonly failed: number; readonly skipped: number }
  readonly failures: readonly WebhookFailure[]
  /** Failed items beyond `maxItems` that were left out of `failures`. */
  readonly failures_omitted: number
}

export interface RunSummary {
  readonly runId: string
  readonly job: string
  readonly startedAt: Date
  readonly finishedAt: Date
  readonly counts: FailureCounts
  readonly failed: readonly FailedItem[]
}

/** Builds the payload; at most `maxItems` failures are listed (the rest are counted). */
export function failurePayload(run: RunSummary, maxItems = 100): WebhookPayload {
  return {
    event: 'run_failed',
    service: 'snapwarden',
    run_id: run.runId,
    job: run.job,
    started_at: run.startedAt.toISOString(),
    finished_at: run.finishedAt.toISOString(),
    counts: { succeeded: run.counts.succeeded, failed: run.counts.failed, skipped: run.counts.skipped },
    failures: run.failed.slice(0, maxItems).map((f) => ({
      service: 'snapwarden',
      action: f.action,
      volume_id: f.volumeId,
      project_id: f.projectId,
      ...(f.snapshotId ? { snapshot_id: f.snapshotId } : {}),
      ...(f.backupId ? { backup_id: f.backupId } : {}),
      ...(f.serverId ? { virtual_machine_id: f.serverId } : {}),
      ...(f.policy ? { policy: f.policy } : {}),
      code: f.error.code,
      message: f.error.message,
    })),
    failures_omitted: Math.max(0, run.failed.length - maxItems),
  }
}
