/**
 * The run log `db status` shows: one row per backup or retention cycle that acted (not plans or
 * dry runs), written when it starts (exit status empty: running, or killed) and when it ends.
 */
import { randomUUID } from 'node:crypto'
import type { Clock } from '../domain/clock.ts'
import { toErrorInfo } from '../domain/errors.ts'
import type { Logger } from '../domain/logger.ts'
import type { RunLog } from '../domain/store-port.ts'

export const RUN_KINDS = ['backup-cycle', 'backup-execute', 'retention'] as const
export type RunKind = (typeof RUN_KINDS)[number]

/** Exit statuses as the CLI uses them: 0 everything done, 3 some items failed, 2 the run itself failed. */
export const RUN_STATUS = { ok: 0, failed: 2, partial: 3 } as const

export interface RunOutcome {
  /** Items (tasks, deletes, problems) that did not succeed. */
  readonly failed: number
  readonly summary: Readonly<Record<string, unknown>>
}

export interface RunRecordDeps {
  readonly store: RunLog
  readonly clock: Clock
  readonly logger: Logger
}

/** Runs `fn`, recording its start and end; a run-log write that fails is logged, never fails the cycle. */
export async function recordedRun<T>(deps: RunRecordDeps, kind: RunKind, fn: () => Promise<T>, outcome: (result: T) => RunOutcome): Promise<T> {
  const id = randomUUID()
  const startedAt = deps.clock.now()
  const write = async (finish?: { exitStatus: number; summary: Readonly<Record<string, unknown>> }): Promise<void> => {
    try {
      await deps.store.recordRun({
        id,
        kind,
        startedAt,
        summary: finish?.summary ?? {},
        ...(finish ? { finishedAt: deps.clock.now(), exitStatus: finish.exitStatus } : {}),
      })
    } catch (err) {
      deps.logger.warn({ runId: id, kind, error: toErrorInfo(err) }, 'could not record the run in the store')
    }
  }
  await write()
  let result: T
  try {
    result = await fn()
  } catch (err) {
    const { code, message } = toErrorInfo(err)
    await write({ exitStatus: RUN_STATUS.failed, summary: { error: { code, message } } })
    throw err
  }
  const o = outcome(result)
  await write({ exitStatus: o.failed > 0 ? RUN_STATUS.partial : RUN_STATUS.ok, summary: o.summary })
  return result
}
