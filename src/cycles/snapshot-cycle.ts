/**
 * One snapshot cycle, as a daemon tick flows (STYLE.md §1): read `now` once → list volumes and
 * snapshots once per scope → pure plan → execute → result. Used by `plan`, `create-snapshots`,
 * `expire-snapshots`, `run` and the daemon's jobs.
 */
import type { PolicyProblem } from '../domain/policy.ts'
import { runSnapshotPlan, type ExecutorDeps, type SnapshotProgress, type SnapshotRunResult } from '../executor/run-snapshot-plan.ts'
import { buildSnapshotPlan, type SnapshotPlan, type SnapshotPlanMode } from '../planner/snapshot-plan.ts'
import { listAll, readWithRetry, scopeFor } from './cloud-reads.ts'
import type { CycleConfig } from '../domain/cycle-config.ts'
import type { ListScope } from '../domain/ports.ts'

/** What a cycle needs: the executor's ports plus the configuration. */
export interface CycleDeps extends ExecutorDeps {
  readonly config: CycleConfig
}

export interface CycleOptions {
  readonly mode: SnapshotPlanMode
  readonly allProjects: boolean
  readonly dryRun: boolean
  /** Plan only, send nothing (`plan`). */
  readonly planOnly?: boolean
  /** Plan as of another instant (`plan --at`); defaults to the clock's now. */
  readonly at?: Date
  readonly signal?: AbortSignal
  readonly onProgress?: (p: SnapshotProgress) => void
}

export interface CycleReport {
  readonly now: Date
  readonly mode: SnapshotPlanMode
  readonly volumes: number
  readonly snapshots: number
  readonly plan: SnapshotPlan
  readonly result?: SnapshotRunResult
  readonly problems: readonly PolicyProblem[]
}

export async function runSnapshotCycle(deps: CycleDeps, opts: CycleOptions): Promise<CycleReport> {
  const now = opts.at ?? deps.clock.now()
  const identity = await readWithRetry(deps, 'identity', () => deps.cloud.identity(opts.signal), opts.signal)
  const scope = await scopeFor(deps.cloud, identity, opts.allProjects)
  const s = deps.config.snapshots
  // The listings are let go once planned (listAndPlan's frame ends): a run of 100k volumes does
  // not hold them while it executes.
  const { plan, volumes, snapshots } = await listAndPlan(deps, scope, now, opts)
  for (const p of plan.problems) deps.logger.warn({ volumeId: p.volumeId, key: p.key, value: p.value, accepted: p.accepted }, p.message)
  deps.metrics.set('snapwarden_policy_problems', plan.problems.length)
  const base = { now, mode: opts.mode, volumes, snapshots, plan, problems: plan.problems }
  if (opts.planOnly) return base
  const result = await runSnapshotPlan(plan.items, deps, {
    dryRun: opts.dryRun,
    sequentialDetached: s.sequential_detached,
    waitForAvailable: s.wait_for_available,
    createTimeoutMs: s.wait_timeout * 1000,
    healTimeoutMs: s.wait_timeout * 1000,
    limits: { global: s.concurrency, perProject: s.concurrency_per_project },
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  })
  return { ...base, result }
}

/** Lists volumes and snapshots once and plans: the plan and how many of each were listed. */
async function listAndPlan(deps: CycleDeps, scope: ListScope, now: Date, opts: CycleOptions): Promise<{ plan: SnapshotPlan; volumes: number; snapshots: number }> {
  const [volumes, snapshots] = await Promise.all([
    listAll(deps, 'volume listing', () => deps.cloud.listVolumes(scope, opts.signal), opts.signal),
    listAll(deps, 'snapshot listing', () => deps.cloud.listSnapshots(scope, opts.signal), opts.signal),
  ])
  const plan = buildSnapshotPlan({ volumes, snapshots, now, settings: { mode: opts.mode, stuckAfterMs: deps.config.snapshots.stuck_after * 1000 } })
  return { plan, volumes: volumes.length, snapshots: snapshots.length }
}

/** Items that failed plus invalid metadata: what makes the exit code 3 and the webhook fire. */
export function failuresOf(report: CycleReport): number {
  return (report.result?.counts.failed ?? 0) + report.problems.length
}
