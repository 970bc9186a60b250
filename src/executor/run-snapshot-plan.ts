import { toErrorInfo, type ErrorInfo } from '../domain/errors.ts'
import type { CreateSnapshotItem, DeleteSnapshotItem, SnapshotPlanItem } from '../domain/plan.ts'
import type { SnapshotRecord } from '../domain/inventory.ts'
import { CreateSettle, startCreate, type StartedCreate } from './create-snapshot.ts'
import { settleWindow } from './dedupe-window.ts'
import { expireSnapshot, healSnapshot, removeDuplicate } from './delete-snapshot.ts'
import { CancelledError } from './errors.ts'
import { ItemRun, type ExecutorDeps, type ItemOutcome, type ItemSettings } from './item-run.ts'
import { feedJobs, type FedJob } from './job-feeder.ts'
import { Pool, type PoolLimits } from './pool.ts'
import { DEFAULT_RETRY, type RetrySettings } from './retry.ts'
import { WindowRounds } from './window-rounds.ts'

export type { ExecutorDeps } from './item-run.ts'

export type ItemStatus = 'succeeded' | 'failed' | 'skipped'

export interface SnapshotItemResult {
  readonly item: SnapshotPlanItem
  readonly status: ItemStatus
  /** The snapshot created, adopted, kept for the window, or deleted. */
  readonly snapshotId?: string
  readonly error?: ErrorInfo
  readonly steps: readonly string[]
}

export interface GroupStart {
  readonly group: string
  readonly projectId: string
  readonly size: number
  /** Time between the first and the last create request of the group (injected clock). */
  readonly spreadMs: number
}

export interface SnapshotRunResult {
  /** One entry per input item, in input order. */
  readonly items: readonly SnapshotItemResult[]
  readonly counts: { readonly total: number; readonly succeeded: number; readonly failed: number; readonly skipped: number }
  readonly groups: readonly GroupStart[]
}

export interface SnapshotProgress {
  readonly done: number
  readonly total: number
  readonly item: SnapshotPlanItem
  readonly status: ItemStatus
}

export interface SnapshotRunOptions {
  /** Send nothing: every create/delete item is `skipped` with step "dry-run". */
  readonly dryRun?: boolean
  /** SnapSentry's behaviour: groups keyed `volume:` (detached, multi-attached) run one after another. */
  readonly sequentialDetached?: boolean
  /** Wait until each created snapshot is `available` (default false: confirm once and move on). */
  readonly waitForAvailable?: boolean
  readonly createTimeoutMs?: number
  readonly healTimeoutMs?: number
  readonly pollIntervalMs?: number
  readonly retry?: Partial<RetrySettings>
  /** Cinder's `force` for in-use volumes (default true, as SnapSentry). */
  readonly forceInUse?: boolean
  /** Used when no `pool` is given (default 10 global, 4 per project). */
  readonly limits?: PoolLimits
  /** Share one pool between runs (daemon); otherwise one is built from `limits`. */
  readonly pool?: Pool
  /** A group whose creates spread further than this is logged as a warning (default 60 s). */
  readonly maxGroupSpreadMs?: number
  readonly signal?: AbortSignal
  readonly onProgress?: (progress: SnapshotProgress) => void
}

/** Thrown when the run is cancelled; `partial` holds the items that finished before. */
export class SnapshotRunCancelledError extends CancelledError {
  readonly partial: SnapshotRunResult
  constructor(partial: SnapshotRunResult, cause: unknown) {
    super('snapshot run', cause)
    this.partial = partial
  }
}

export const DEFAULT_POOL_LIMITS: PoolLimits = { global: 10, perProject: 4 }

function settingsOf(o: SnapshotRunOptions): ItemSettings {
  return {
    waitForAvailable: o.waitForAvailable ?? false,
    createTimeoutMs: o.createTimeoutMs ?? 30 * 60_000,
    healTimeoutMs: o.healTimeoutMs ?? 5 * 60_000,
    pollIntervalMs: o.pollIntervalMs ?? 5_000,
    retry: { ...DEFAULT_RETRY, ...o.retry },
    forceInUse: o.forceInUse ?? true,
  }
}

/**
 * Runs snapshot plan items against the cloud: creates by group (all creates of a group issued
 * before any wait), deletes for expiry and healing, under the pool's limits. Never throws for one
 * item's failure; throws only on cancellation (SnapshotRunCancelledError) or a programmer error.
 */
export async function runSnapshotPlan(
  items: readonly SnapshotPlanItem[],
  deps: ExecutorDeps,
  options: SnapshotRunOptions = {},
): Promise<SnapshotRunResult> {
  const settings = settingsOf(options)
  const pool = options.pool ?? new Pool(options.limits ?? DEFAULT_POOL_LIMITS)
  const signal = options.signal
  const log = deps.logger.child({ component: 'executor' })
  const results: (SnapshotItemResult | undefined)[] = items.map(() => undefined)
  const groups: GroupStart[] = []
  let done = 0

  const record = (index: number, status: ItemStatus, steps: readonly string[], snapshotId?: string, error?: ErrorInfo): void => {
    const item = items[index]!
    results[index] = { item, status, steps, ...(snapshotId && { snapshotId }), ...(error && { error }) }
    done++
    options.onProgress?.({ done, total: items.length, item, status })
  }
  const snapshot = (): SnapshotRunResult => summarize(results, groups)
  const newRun = (item: SnapshotPlanItem): ItemRun =>
    new ItemRun(deps, settings, signal, { component: 'executor', action: item.action, volumeId: item.volumeId, projectId: item.projectId })
  const finish = (index: number, run: ItemRun, outcome: ItemOutcome): void =>
    record(index, outcome.status, run.steps, run.snapshotId, outcome.error)
  /** A create item's end; one whose create may land late is looked at again at the end of the run. */
  const end = (index: number, run: ItemRun, outcome: ItemOutcome, ownId: string | undefined): void => {
    if (run.createMayLandLate) late.push({ item: items[index] as CreateSnapshotItem, run, ownId })
    finish(index, run, outcome)
  }

  if (signal?.aborted) throw new SnapshotRunCancelledError(snapshot(), signal.reason)

  // Creates whose answer was lost: their snapshot may land after the item settled.
  const late: LateCreate[] = []
  const byGroup = new Map<string, number[]>()
  const deletes: number[] = []
  items.forEach((item, i) => {
    if (item.action === 'keep' || item.action === 'skip') {
      const id = item.action === 'keep' ? item.snapshotId : undefined
      record(i, 'skipped', [`${item.action}: ${item.reasons.join('; ') || 'no reason given'}`], id)
    } else if (options.dryRun) {
      record(i, 'skipped', ['dry-run'], item.action === 'delete' ? item.snapshotId : undefined)
    } else if (item.action === 'create') {
      byGroup.set(item.group, [...(byGroup.get(item.group) ?? []), i])
    } else {
      deletes.push(i)
    }
  })

  // Every create's window is confirmed (and waited for) in listing rounds shared by the run.
  const rounds = new WindowRounds(deps, settings, signal)
  // Groups whose creates are being sent (waiting for slots or holding them). When none is, every
  // create of the run that can be sent now has been: the windows in flight are looked at at once.
  let sending = 0
  const sentOne = (): void => {
    sending--
    if (sending === 0) rounds.lookNow()
  }

  const runGroup = async (group: string, indices: readonly number[], leaveFront: () => void): Promise<void> => {
    const creates = indices.map((i) => ({ index: i, item: items[i] as CreateSnapshotItem }))
    const projectId = creates[0]!.item.projectId
    // The group's creates are sent together (so its snapshots are close in time) on lanes that each
    // hold one pool slot while sending, not while the snapshots settle: a waiting group never starves
    // another group's creates.
    sending++
    let started: (StartedCreate | ItemOutcome)[]
    const runs = creates.map((c) => newRun(c.item))
    try {
      started = await sendCreates(creates, runs, { pool, projectId, signal })
    } catch (err) {
      sentOne()
      throw err
    } finally {
      leaveFront()
    }
    const starts = started.flatMap((s) => ('snapshot' in s && s.startedAtMs !== undefined ? [s.startedAtMs] : []))
    const spreadMs = starts.length ? Math.max(...starts) - Math.min(...starts) : 0
    groups.push({ group, projectId, size: creates.length, spreadMs })
    deps.metrics.observe('snapwarden_group_start_spread_seconds', spreadMs / 1000)
    if (spreadMs > (options.maxGroupSpreadMs ?? 60_000)) log.warn({ group, spreadMs }, 'creates of one group spread wider than allowed')
    // The started creates settle in the run's rounds (one watch for the group, registered before
    // `settle` first awaits); the others are done already. Then this group counts as sent.
    const settles: CreateSettle[] = []
    const byRun = new Map<ItemRun, { index: number; ownId: string | undefined }>()
    creates.forEach((c, k) => {
      const s = started[k]!
      const run = runs[k]!
      if (!('snapshot' in s)) return end(c.index, run, s, undefined)
      settles.push(new CreateSettle(c.item, run, s))
      byRun.set(run, { index: c.index, ownId: s.adopted ? undefined : s.snapshot.id })
    })
    const settling = rounds.settle(
      settles,
      (settle, result) => {
        const { index, ownId } = byRun.get(settle.run)!
        end(index, settle.run, 'outcome' in result ? result.outcome : settle.run.fail('create', result.error), ownId)
      },
      signal,
    )
    sentOne()
    await settling
  }

  const runDelete = async (index: number): Promise<void> => {
    const item = items[index] as DeleteSnapshotItem
    await pool.run(
      item.projectId,
      async () => {
        const run = newRun(item)
        let outcome: ItemOutcome
        try {
          outcome =
            item.purpose === 'heal' ? await healSnapshot(item, run) : item.purpose === 'duplicate' ? await removeDuplicate(item, run) : await expireSnapshot(item, run)
        } catch (err) {
          outcome = run.fail(item.purpose === 'heal' ? 'heal' : 'delete', err)
        }
        finish(index, run, outcome)
      },
      { signal },
    )
  }

  // Jobs are started lazily (job-feeder.ts): the groups, projects taking turns (the plan lists them
  // project by project; a project at its own limit must not keep the others' groups from starting),
  // then the deletes. SnapSentry's sequential detached groups are one job, one group after another.
  const regular: [string, number[]][] = []
  const sequential: [string, number[]][] = []
  for (const [group, indices] of byGroup) {
    if (options.sequentialDetached && group.startsWith('volume:')) sequential.push([group, indices])
    else regular.push([group, indices])
  }
  byGroup.clear()
  function* jobs(): Generator<FedJob> {
    if (sequential.length > 0) {
      yield async (leaveFront) => {
        leaveFront()
        for (const [group, indices] of sequential) await runGroup(group, indices, () => {})
      }
    }
    for (const [group, indices] of projectsTakingTurns(regular, (g) => (items[g[1][0]!] as CreateSnapshotItem).projectId)) {
      yield (leaveFront) => runGroup(group, indices, leaveFront)
    }
    for (const i of deletes) yield () => runDelete(i)
  }
  const rejected = await feedJobs(jobs(), 2 * pool.limits.global)
  if (signal?.aborted) throw new SnapshotRunCancelledError(snapshot(), signal.reason)
  if (rejected.length > 0) throw rejected[0]
  await lookAgain(late, rounds, pool, signal)
  if (signal?.aborted) throw new SnapshotRunCancelledError(snapshot(), signal.reason)
  return snapshot()
}

/**
 * Sends a group's creates on lanes, one per create up to the pool's limits. Every lane asks the pool
 * for one slot at once, so the group's lanes wait side by side in the pool's queue and start as
 * slots come free (a few milliseconds apart, not one lane after another): its creates stay close in
 * time, and no slot stands idle while a group waits for several to come free together. A lane sends
 * creates until none is left, then frees its slot. Each create's failure is its item's outcome;
 * resolves when every lane has ended.
 */
async function sendCreates(
  creates: readonly { readonly item: CreateSnapshotItem }[],
  runs: readonly ItemRun[],
  slots: { readonly pool: Pool; readonly projectId: string; readonly signal: AbortSignal | undefined },
): Promise<(StartedCreate | ItemOutcome)[]> {
  const { pool, projectId, signal } = slots
  const started: (StartedCreate | ItemOutcome)[] = new Array(creates.length)
  const width = Math.min(creates.length, pool.limits.global, pool.limits.perProject)
  let next = 0
  const lane = async (): Promise<void> => {
    const release = await pool.acquire(projectId, signal ? { signal } : {})
    try {
      for (let k = next++; k < creates.length; k = next++) {
        const run = runs[k]!
        try {
          started[k] = await startCreate(creates[k]!.item, run)
        } catch (err) {
          try {
            started[k] = run.fail('create', err)
          } catch (cancelled) {
            next = creates.length // cancelled: the other lanes send no more
            throw cancelled
          }
        }
      }
    } finally {
      release()
    }
  }
  const ended = await Promise.allSettled(Array.from({ length: Math.max(1, width) }, lane))
  for (const e of ended) if (e.status === 'rejected') throw e.reason
  return started
}

/** The groups reordered so that projects take turns: first group of each project, then the second, … */
function* projectsTakingTurns<G>(groups: readonly G[], projectOf: (g: G) => string): Generator<G> {
  const byProject = new Map<string, G[]>()
  for (const g of groups) {
    const p = projectOf(g)
    const list = byProject.get(p)
    if (list === undefined) byProject.set(p, [g])
    else list.push(g)
  }
  const lists = [...byProject.values()]
  for (let k = 0, any = true; any; k++) {
    any = false
    for (const list of lists) {
      if (k < list.length) {
        any = true
        yield list[k]!
      }
    }
  }
}

interface LateCreate {
  readonly item: CreateSnapshotItem
  readonly run: ItemRun
  readonly ownId: string | undefined
}

/**
 * At the end of the run, the windows of creates whose answer was lost are looked at once more, in
 * one listing round for all of them: a lost create may have landed after its item settled, next to
 * the one a retry made. A duplicate still not deletable is left to the next run's planner. Never
 * fails an item.
 */
async function lookAgain(late: readonly LateCreate[], rounds: WindowRounds, pool: Pool, signal: AbortSignal | undefined): Promise<void> {
  if (late.length === 0) return
  let pictures: readonly (readonly SnapshotRecord[])[]
  try {
    pictures = await rounds.lookOnce(late.map((l) => l.item))
  } catch (err) {
    if (err instanceof CancelledError || signal?.aborted) throw err
    for (const l of late) l.run.log.warn({ err: toErrorInfo(err) }, 'looking at the window again after a lost answer failed; the next run will')
    return
  }
  await Promise.all(
    late.map((l, k) =>
      pool.run(
        l.item.projectId,
        async () => {
          const { item, run, ownId } = l
          try {
            const check = await settleWindow(run, pictures[k]!, item.window.key, { ownId })
            for (const p of check.pending) run.step(`left for the next run: ${p.reason}`)
            run.step(`end of run: window ${item.window.key} looked at again after a lost answer (${check.listed.length} snapshot${check.listed.length === 1 ? '' : 's'})`)
          } catch (err) {
            if (err instanceof CancelledError) throw err
            run.log.warn({ err: toErrorInfo(err) }, 'looking at the window again after a lost answer failed; the next run will')
          }
        },
        { signal },
      ),
    ),
  )
}

function summarize(results: readonly (SnapshotItemResult | undefined)[], groups: readonly GroupStart[]): SnapshotRunResult {
  const items = results.filter((r): r is SnapshotItemResult => r !== undefined)
  const count = (s: ItemStatus): number => items.filter((r) => r.status === s).length
  return {
    items,
    counts: { total: results.length, succeeded: count('succeeded'), failed: count('failed'), skipped: count('skipped') },
    groups: [...groups],
  }
}
