/** What a cycle reports as failed: items that did not end as planned and metadata that could not be read. */
export interface FailedItem {
  /** What was being done: create, delete, backup, delete-backup, parse-policy, … */
  readonly action: string
  readonly volumeId: string
  readonly projectId: string
  readonly snapshotId?: string
  readonly backupId?: string
  readonly serverId?: string
  readonly policy?: string
  readonly error: { readonly code: string; readonly message: string }
}

export interface FailureCounts {
  readonly succeeded: number
  readonly failed: number
  readonly skipped: number
}

/** Delivers a job's failures (the webhook); a no-op when nothing failed or nothing is configured. */
export type FailureNotifier = (job: string, startedAt: Date, counts: FailureCounts, failed: readonly FailedItem[]) => Promise<void>
