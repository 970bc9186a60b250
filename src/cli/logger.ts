/** Builds the pino logger (stderr, JSON or pretty-free plain) with secret redaction. */
import { pino } from 'pino'
import type { Logger } from '../domain/logger.ts'

/** Paths pino blanks out wherever they appear (pino needs explicit paths, top-level included). */
export const REDACT_PATHS = [
  'password',
  'secret',
  'token',
  'authorization',
  '*.password',
  '*.secret',
  '*.token',
  '*.application_credential_secret',
  '*.authorization',
  '*["x-auth-token"]',
  '*["x-subject-token"]',
  'headers["x-auth-token"]',
  'auth.password',
  'auth.application_credential_secret',
  'auth.token',
]

export function buildLogger(level: string, destination: NodeJS.WritableStream = process.stderr): Logger {
  return pino(
    { level, base: { app: 'snapwarden' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } },
    destination as pino.DestinationStream,
  ) as unknown as Logger
}
