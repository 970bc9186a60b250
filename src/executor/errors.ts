import { AppError, type ErrorCode } from '../domain/errors.ts'

/** A transient failure persisted through every attempt; `cause` is the last error. */
export class RetriesExhaustedError extends AppError {
  readonly code: ErrorCode = 'EXEC_RETRIES_EXHAUSTED'
  readonly attempts: number
  constructor(attempts: number, lastError: unknown) {
    super(`gave up after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${messageOf(lastError)}`, { cause: lastError })
    this.attempts = attempts
  }
}

/** The run's AbortSignal fired; work stopped where it was. */
export class CancelledError extends AppError {
  readonly code: ErrorCode = 'EXEC_CANCELLED'
  constructor(what: string, cause?: unknown) {
    super(`${what} cancelled`, { cause })
  }
}

/** A resource did not reach the wanted status within the time allowed (measured on the injected clock). */
export class WaitTimeoutError extends AppError {
  readonly code: ErrorCode = 'OS_WAIT_TIMEOUT'
  readonly lastStatus: string | undefined
  constructor(what: string, target: string, timeoutMs: number, lastStatus: string | undefined) {
    super(`${what} did not reach status ${target} within ${timeoutMs} ms (last status: ${lastStatus ?? 'unknown'})`)
    this.lastStatus = lastStatus
  }
}

/** A resource reached a failure status, or went away while we waited for another status. */
export class ResourceFailedError extends AppError {
  readonly code: ErrorCode = 'OS_RESOURCE_FAILED'
  readonly status: string | undefined
  constructor(message: string, status: string | undefined) {
    super(message)
    this.status = status
  }
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
