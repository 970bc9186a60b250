import { AppError, type ErrorCode } from '../domain/errors.ts'

/** A report e-mail did not go out (connect, TLS, AUTH, or the server refused it); it is retried next cycle. */
export class NotifyEmailError extends AppError {
  readonly code: ErrorCode = 'NOTIFY_EMAIL_FAILED'
}
