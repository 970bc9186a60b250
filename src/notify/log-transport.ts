/** Without `sender_email` reports go to the log, as in Staffeln (the text part, one entry per project). */
import type { Logger } from '../domain/logger.ts'
import type { ReportMessage, ReportTransport } from '../domain/report.ts'

export function logTransport(logger: Logger): ReportTransport {
  return {
    kind: 'log',
    async send(message: ReportMessage): Promise<void> {
      logger.info({ subject: message.subject, report: message.text }, message.subject)
    },
  }
}
