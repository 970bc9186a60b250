/** Sends the failure webhook (config `webhook.url`) when a cycle had failed items or bad metadata. */
import { randomUUID } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { failurePayload, type FailedItem } from '../notify/webhook-payload.ts'
import { readWebhookSecret, sendWebhook } from '../notify/webhook.ts'
import type { CliDeps } from './deps.ts'
import type { CycleReport } from './snapshot-cycle.ts'

export async function notifyFailures(deps: CliDeps, job: string, report: CycleReport): Promise<void> {
  const failed: FailedItem[] = [
    ...(report.result?.items ?? [])
      .filter((r) => r.status === 'failed')
      .map((r) => ({
        action: r.item.action,
        volumeId: r.item.volumeId,
        projectId: r.item.projectId,
        ...(r.snapshotId ? { snapshotId: r.snapshotId } : {}),
        ...(r.item.policy ? { policy: r.item.policy } : {}),
        error: r.error ?? { code: 'INTERNAL', message: 'failed' },
      })),
    ...report.problems.map((p) => ({
      action: 'parse-policy',
      volumeId: p.volumeId,
      projectId: '',
      ...(p.policy ? { policy: p.policy } : {}),
      error: { code: 'PLAN_POLICY_INVALID', message: p.message },
    })),
  ]
  await sendFailures(deps, job, report.now, report.result?.counts ?? { succeeded: 0, failed: 0, skipped: 0 }, failed)
}

/** Sends the failure webhook for any job (snapshot or backup cycle) when it had failed items. */
export async function sendFailures(
  deps: CliDeps,
  job: string,
  startedAt: Date,
  counts: { readonly succeeded: number; readonly failed: number; readonly skipped: number },
  failed: readonly FailedItem[],
): Promise<void> {
  const url = deps.config().webhook.url
  if (!url || failed.length === 0) return
  const secret = await readWebhookSecret({ env: deps.env, readFile: (p) => readFile(p, 'utf8') })
  const delivery = await sendWebhook({
    url,
    payload: failurePayload({ runId: randomUUID(), job, startedAt, finishedAt: deps.clock.now(), counts, failed }),
    ...(secret ? { secret } : {}),
    sleep: deps.sleep,
    maxAttempts: deps.config().webhook.max_attempts,
    timeoutMs: 10_000,
    logger: deps.logger,
    metrics: deps.metrics,
  })
  if (!delivery.ok) deps.logger.error({ attempts: delivery.attempts, error: delivery.error }, 'failure webhook could not be delivered')
}
