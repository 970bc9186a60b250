/**
 * Builds the report ports from the `notification:` section: the renderer (quota thresholds), the
 * transport (SMTP with `sender_email`, else the log, as in Staffeln) and the recipient settings.
 * The SMTP password is read here, from SNAPWARDEN_SMTP_PASSWORD[_FILE] only.
 */
import { readFile } from 'node:fs/promises'
import type { Config } from '../config/schema.ts'
import type { Sleep } from '../domain/clock.ts'
import { UserError } from '../domain/errors.ts'
import type { Logger } from '../domain/logger.ts'
import type { ReportRecipientSettings, ReportRenderer, ReportTransport } from '../domain/report.ts'
import { logTransport } from '../notify/log-transport.ts'
import { STAFFELN_THRESHOLDS, type QuotaThresholds } from '../notify/report-model.ts'
import { reportRenderer } from '../notify/report-renderer.ts'
import { SMTP_PASSWORD_ENV, SMTP_PASSWORD_FILE_ENV, readSmtpPassword } from '../notify/smtp-password.ts'
import { smtpTransport } from '../notify/smtp-transport.ts'

export interface ReportPorts {
  readonly render: ReportRenderer
  readonly thresholds: QuotaThresholds
  readonly transport: ReportTransport
  readonly recipients: ReportRecipientSettings
  close(): void
}

export type Notification = NonNullable<Config['notification']>

export function reportThresholds(n: Notification | undefined): QuotaThresholds {
  return n ? { amberPercent: n.quota_amber_percent, redPercent: n.quota_red_percent } : STAFFELN_THRESHOLDS
}

export async function buildReportPorts(
  n: Notification | undefined,
  env: Readonly<Record<string, string | undefined>>,
  logger: Logger,
  opts: { readonly timeoutMs?: number; readonly deadlineMs?: number; readonly sleep?: Sleep } = {},
): Promise<ReportPorts> {
  const thresholds = reportThresholds(n)
  const render = reportRenderer(thresholds)
  const recipients: ReportRecipientSettings = { receiver: n?.receiver ?? [], project_receiver_domain: n?.project_receiver_domain }
  if (n?.sender_email === undefined || n.smtp_server_domain === undefined) {
    return { render, thresholds, transport: logTransport(logger.child({ component: 'report' })), recipients, close: () => {} }
  }
  const password = await readSmtpPassword({ env, readFile: (p) => readFile(p, 'utf8') })
  // Staffeln logs in as sender_email; smtp_user names another login.
  const user = n.smtp_user ?? (password !== undefined ? n.sender_email : undefined)
  if (user !== undefined && password === undefined) {
    throw new UserError(
      `notification.smtp_user "${user}" needs a password: set ${SMTP_PASSWORD_ENV} or ${SMTP_PASSWORD_FILE_ENV} (never in the config file)`,
      'CONFIG_INVALID',
    )
  }
  let ca: string | undefined
  if (n.cacert !== undefined) {
    try {
      ca = await readFile(n.cacert, 'utf8')
    } catch (err) {
      const code = (err as { code?: unknown }).code
      throw new UserError(`notification.cacert ${n.cacert}: cannot read it (${typeof code === 'string' ? code : 'unreadable'})`, 'CONFIG_NOT_FOUND')
    }
  }
  const transport = smtpTransport({
    host: n.smtp_server_domain,
    port: n.smtp_server_port,
    security: n.smtp_security,
    from: n.sender_email,
    user,
    password,
    verify: n.verify,
    ca,
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    ...(opts.deadlineMs !== undefined ? { deadlineMs: opts.deadlineMs } : {}),
    ...(opts.sleep !== undefined ? { sleep: opts.sleep } : {}),
  })
  return { render, thresholds, transport, recipients, close: () => transport.close() }
}
