/** Sends the failure webhook (config `webhook.url`) when a cycle had failed items or bad metadata. */
import { randomUUID } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { FailureNotifier } from '../domain/failure-report.ts'
import { snapshotCycleFailures } from '../cycles/cycle-failures.ts'
import type { CycleReport } from '../cycles/snapshot-cycle.ts'
import { failurePayload } from '../notify/webhook-payload.ts'
import { readWebhookSecret, sendWebhook } from '../notify/webhook.ts'
import type { CliDeps } from './deps.ts'

export async function notifyFailures(notify: FailureNotifier, job: string, report: CycleReport): Promise<void> {
  const { counts, failed } = snapshotCycleFailures(report)
  await notify(job, report.now, counts, failed)
}

/**
 * The webhook as a FailureNotifier for any job (snapshot, backup or retention cycle). The secret is
 * read here, when the command starts: a missing secret file fails the start, not the first failure.
 */
export async function createFailureNotifier(deps: CliDeps): Promise<FailureNotifier> {
  const url = deps.config().webhook.url
  if (!url) return async () => {}
  const secret = await readWebhookSecret({ env: deps.env, readFile: (p) => readFile(p, 'utf8') })
  return async (job, startedAt, counts, failed) => {
    if (failed.length === 0) return
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
}
