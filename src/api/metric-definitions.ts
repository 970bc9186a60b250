/**
 * Every metric Snapwarden exports: name, kind, help text and label names. PromMetrics creates them
 * lazily from this table on first use. Counters end in `_total`; durations are in seconds.
 */
export const METRIC_KINDS = ['counter', 'gauge', 'histogram'] as const
export type MetricKind = (typeof METRIC_KINDS)[number]

export interface MetricDefinition {
  readonly name: string
  readonly kind: MetricKind
  readonly help: string
  readonly labelNames: readonly string[]
  /** Histogram buckets (seconds); prom-client's defaults otherwise. */
  readonly buckets?: readonly number[]
}

const JOB_BUCKETS = [0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600]
const CALL_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

export const METRIC_DEFINITIONS: readonly MetricDefinition[] = [
  // snapshots
  { name: 'snapwarden_snapshots_created_total', kind: 'counter', help: 'Snapshots created.', labelNames: ['project', 'policy'] },
  { name: 'snapwarden_snapshots_deleted_total', kind: 'counter', help: 'Snapshots deleted (purpose: expire or heal).', labelNames: ['project', 'policy', 'purpose'] },
  { name: 'snapwarden_snapshots_failed_total', kind: 'counter', help: 'Snapshot creations or deletions that failed, by error code.', labelNames: ['project', 'policy', 'action', 'code'] },
  { name: 'snapwarden_heal_steps_total', kind: 'counter', help: 'Healing steps taken on stuck or errored snapshots and backups.', labelNames: ['step', 'outcome'] },
  // backups
  { name: 'snapwarden_backups_created_total', kind: 'counter', help: 'Backups created.', labelNames: ['project', 'incremental'] },
  { name: 'snapwarden_backups_failed_total', kind: 'counter', help: 'Backups that failed, by error code.', labelNames: ['project', 'code'] },
  { name: 'snapwarden_backups_deleted_total', kind: 'counter', help: 'Backups deleted by retention.', labelNames: ['project'] },
  { name: 'snapwarden_backups_over_quota_total', kind: 'counter', help: 'Backups not started because the project was at its backup quota.', labelNames: ['project'] },
  // policies
  { name: 'snapwarden_policy_problems', kind: 'gauge', help: 'Volumes whose policy metadata has problems, at the last cycle.', labelNames: ['project'] },
  // cloud API
  { name: 'snapwarden_cloud_api_calls_total', kind: 'counter', help: 'Calls to the cloud APIs, by service, operation and HTTP status (or error code).', labelNames: ['service', 'operation', 'status'] },
  { name: 'snapwarden_cloud_api_call_duration_seconds', kind: 'histogram', help: 'Duration of calls to the cloud APIs.', labelNames: ['service', 'operation'], buckets: CALL_BUCKETS },
  { name: 'snapwarden_api_retries_total', kind: 'counter', help: 'Cloud API calls retried after a transient error.', labelNames: ['operation', 'code'] },
  // daemon jobs
  { name: 'snapwarden_job_runs_total', kind: 'counter', help: 'Daemon job runs, by outcome.', labelNames: ['job', 'outcome'] },
  { name: 'snapwarden_job_duration_seconds', kind: 'histogram', help: 'Duration of daemon job runs.', labelNames: ['job'], buckets: JOB_BUCKETS },
  { name: 'snapwarden_job_last_success_timestamp_seconds', kind: 'gauge', help: 'Unix time of the last successful run of each job.', labelNames: ['job'] },
  { name: 'snapwarden_job_overruns_total', kind: 'counter', help: 'Job runs skipped because the previous run of the same job was still going.', labelNames: ['job'] },
  // notifications
  { name: 'snapwarden_webhook_deliveries_total', kind: 'counter', help: 'Webhook deliveries, by outcome.', labelNames: ['outcome'] },
]

export const METRICS_BY_NAME: ReadonlyMap<string, MetricDefinition> = new Map(METRIC_DEFINITIONS.map((d) => [d.name, d]))
