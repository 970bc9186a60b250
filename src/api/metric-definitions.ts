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
  { name: 'snapwarden_snapshots_deleted_total', kind: 'counter', help: 'Snapshots deleted (purpose: expire, heal or duplicate; policy empty when unknown).', labelNames: ['project', 'policy', 'purpose'] },
  { name: 'snapwarden_item_failures_total', kind: 'counter', help: 'Plan items (create, delete) that failed, by action and error code.', labelNames: ['action', 'code'] },
  { name: 'snapwarden_group_start_spread_seconds', kind: 'histogram', help: 'Time between the first and the last create request of one server group.', labelNames: [], buckets: CALL_BUCKETS },
  { name: 'snapwarden_heal_steps_total', kind: 'counter', help: 'Healing steps taken on stuck or errored snapshots (step: delete, delete_failed, force_delete, gone, reported).', labelNames: ['step'] },
  // backups
  { name: 'snapwarden_backup_tasks_total', kind: 'counter', help: 'Backup tasks finished, by outcome (succeeded, failed, cancelled, over_quota).', labelNames: ['outcome'] },
  { name: 'snapwarden_backups_deleted_total', kind: 'counter', help: 'Backups deleted by retention.', labelNames: ['project'] },
  { name: 'snapwarden_backups_over_quota_total', kind: 'counter', help: 'Backups not started because the project was at its backup quota.', labelNames: ['project'] },
  // policies
  { name: 'snapwarden_policy_problems', kind: 'gauge', help: 'Invalid policy metadata values found at the last snapshot cycle.', labelNames: [] },
  // cloud API
  { name: 'snapwarden_cloud_api_calls_total', kind: 'counter', help: 'Calls to the cloud APIs, by HTTP method and status (network_error when there was no answer).', labelNames: ['method', 'status'] },
  { name: 'snapwarden_cloud_api_call_duration_seconds', kind: 'histogram', help: 'Duration of calls to the cloud APIs.', labelNames: ['method'], buckets: CALL_BUCKETS },
  { name: 'snapwarden_openstack_requests_total', kind: 'counter', help: 'HTTP requests sent to the OpenStack APIs (every retry and re-send counts), by service type, method and route template (ids replaced by {id}, no query).', labelNames: ['service', 'method', 'route'] },
  { name: 'snapwarden_api_retries_total', kind: 'counter', help: 'Cloud API calls retried after a transient error.', labelNames: ['operation'] },
  // daemon jobs
  { name: 'snapwarden_job_runs_total', kind: 'counter', help: 'Daemon job runs, by outcome (succeeded, completed_with_failures, failed, skipped).', labelNames: ['job', 'outcome'] },
  { name: 'snapwarden_job_duration_seconds', kind: 'histogram', help: 'Duration of daemon job runs.', labelNames: ['job'], buckets: JOB_BUCKETS },
  { name: 'snapwarden_job_last_success_timestamp_seconds', kind: 'gauge', help: 'Unix time of the last run of each job in which every item went as planned.', labelNames: ['job'] },
  { name: 'snapwarden_job_last_completion_timestamp_seconds', kind: 'gauge', help: 'Unix time of the last run of each job that completed, also with per-item failures or invalid metadata (or was skipped for another daemon).', labelNames: ['job'] },
  { name: 'snapwarden_job_problems', kind: 'gauge', help: 'Per-item problems the last completed run of each job reported, by kind (the item action: create, delete, heal, parse-policy, backup, delete-backup, ...).', labelNames: ['job', 'kind'] },
  { name: 'snapwarden_job_overruns_total', kind: 'counter', help: 'Job runs skipped because the previous run of the same job was still going.', labelNames: ['job'] },
  // notifications
  { name: 'snapwarden_webhook_deliveries_total', kind: 'counter', help: 'Webhook deliveries, by outcome.', labelNames: ['outcome'] },
]

export const METRICS_BY_NAME: ReadonlyMap<string, MetricDefinition> = new Map(METRIC_DEFINITIONS.map((d) => [d.name, d]))
