/**
 * Reports by e-mail through nodemailer: STARTTLS (required: a server that does not offer it is
 * refused, never silently plaintext), implicit TLS, or none; the server certificate verified by
 * default (optionally against a CA bundle); AUTH when a user is set. Every wait is bounded, so a
 * hung server fails the send well within the report claim (REPORT_CLAIM_SECONDS).
 */
import { isIP } from 'node:net'
import { setTimeout as delay } from 'node:timers/promises'
import nodemailer from 'nodemailer'
import type { Sleep } from '../domain/clock.ts'
import type { ReportMessage, ReportTransport } from '../domain/report.ts'
import { NotifyEmailError } from './errors.ts'

export const SMTP_SECURITIES = ['starttls', 'tls', 'none'] as const
export type SmtpSecurity = (typeof SMTP_SECURITIES)[number]

export const DEFAULT_SMTP_PORTS: Readonly<Record<SmtpSecurity, number>> = { starttls: 587, tls: 465, none: 25 }

export interface SmtpSettings {
  readonly host: string
  readonly port?: number | undefined
  readonly security: SmtpSecurity
  readonly from: string
  readonly user?: string | undefined
  /** Never from the config file: SNAPWARDEN_SMTP_PASSWORD[_FILE] (see smtp-password.ts). */
  readonly password?: string | undefined
  /** Verify the server's certificate (default true). */
  readonly verify: boolean
  /** PEM CA bundle content to verify against. */
  readonly ca?: string | undefined
  /** Each of connect, greeting and socket inactivity (default 30 s). */
  readonly timeoutMs?: number | undefined
  /**
   * The whole send must end within this (default 5 min, a third of the report claim): a server
   * that trickles its answers cannot keep a send alive past the claim.
   */
  readonly deadlineMs?: number | undefined
  /** Waits out the deadline (tests inject it; default a real timer). */
  readonly sleep?: Sleep | undefined
}

/** Default deadline of one send: well within REPORT_CLAIM_SECONDS (15 min). */
export const SMTP_SEND_DEADLINE_MS = 5 * 60_000

const realSleep: Sleep = async (ms, signal) => {
  await delay(ms, undefined, signal ? { signal } : {})
}

export interface SmtpTransport extends ReportTransport {
  readonly kind: 'email'
  close(): void
}

export function smtpTransport(s: SmtpSettings): SmtpTransport {
  const timeout = s.timeoutMs ?? 30_000
  const port = s.port ?? DEFAULT_SMTP_PORTS[s.security]
  const transporter = nodemailer.createTransport({
    host: s.host,
    port,
    secure: s.security === 'tls',
    requireTLS: s.security === 'starttls',
    ignoreTLS: s.security === 'none',
    ...(s.user !== undefined ? { auth: { user: s.user, pass: s.password ?? '' } } : {}),
    tls: { rejectUnauthorized: s.verify, ...(isIP(s.host) === 0 ? { servername: s.host } : {}), ...(s.ca !== undefined ? { ca: s.ca } : {}) },
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout * 2,
    disableFileAccess: true,
    disableUrlAccess: true,
  })
  return {
    kind: 'email',
    async send(message: ReportMessage, signal?: AbortSignal): Promise<void> {
      const deadlineMs = s.deadlineMs ?? SMTP_SEND_DEADLINE_MS
      const cancel = new AbortController()
      const timer = new AbortController()
      let expired = false
      // The deadline (or the caller's signal) cancels the send: nodemailer closes the connection.
      void (s.sleep ?? realSleep)(deadlineMs, timer.signal).then(
        () => {
          expired = true
          cancel.abort()
        },
        () => undefined,
      )
      const onAbort = () => cancel.abort()
      signal?.addEventListener('abort', onAbort, { once: true })
      try {
        const info = await transporter.sendMail({
          from: s.from,
          to: [...message.to],
          subject: message.subject,
          text: message.text,
          html: message.html,
          signal: cancel.signal,
        })
        const rejected = (info.rejected ?? []).map(String)
        if (rejected.length > 0 && rejected.length >= message.to.length) {
          throw new NotifyEmailError(`the SMTP server ${s.host}:${port} refused every recipient (${rejected.join(', ')})`)
        }
      } catch (err) {
        if (err instanceof NotifyEmailError) throw err
        if (expired) throw new NotifyEmailError(`sending the report through ${s.host}:${port} did not finish within ${Math.round(deadlineMs / 1000)} s`, { cause: err })
        const why = err instanceof Error ? err.message : String(err)
        throw new NotifyEmailError(`sending the report through ${s.host}:${port} (${s.security}) failed: ${why}`, { cause: err })
      } finally {
        timer.abort()
        signal?.removeEventListener('abort', onAbort)
      }
    },
    close: () => transporter.close(),
  }
}
