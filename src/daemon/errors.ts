import { AppError, UserError } from '../domain/errors.ts'

/** A job schedule the user gave is not usable; the message names the option and its value. */
export class InvalidScheduleError extends UserError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'CONFIG_INVALID', options)
  }
}

/** The reason an in-flight job's signal is aborted when the daemon stops and the grace period is over. */
export class JobCancelledError extends AppError {
  readonly code = 'EXEC_CANCELLED' as const
  constructor(job: string, graceMs: number) {
    super(`job ${job} was cancelled: the daemon is stopping and the grace period of ${graceMs} ms is over`)
  }
}
