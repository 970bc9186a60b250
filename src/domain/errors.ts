/**
 * The error-code registry. Every error thrown on purpose extends AppError with one of these
 * stable codes; docs/errors.md has one entry per code (a test checks it).
 */
export const ERROR_CODES = [
  // openstack client
  'OS_HTTP',
  'OS_BAD_REQUEST',
  'OS_UNAUTHORIZED',
  'OS_FORBIDDEN',
  'OS_NOT_FOUND',
  'OS_CONFLICT',
  'OS_OVER_LIMIT',
  'OS_NETWORK',
  'OS_TIMEOUT',
  'OS_WAIT_TIMEOUT',
  'OS_RESOURCE_FAILED',
  'OS_NO_ENDPOINT',
  'OS_CONFIG',
  // planner
  'PLAN_POLICY_INVALID',
  // executor
  'EXEC_RETRIES_EXHAUSTED',
  'EXEC_CANCELLED',
  'EXEC_OVER_QUOTA',
  // store
  'STORE_CONFLICT',
  'STORE_MIGRATION',
  'STORE_UNAVAILABLE',
  // store: Staffeln's database (adopt staffeln)
  'STAFFELN_UNAVAILABLE',
  'STAFFELN_SCHEMA',
  // config
  'CONFIG_INVALID',
  'CONFIG_NOT_FOUND',
  // api
  'API_BAD_REQUEST',
  'API_UNAUTHORIZED',
  'API_NOT_FOUND',
  'API_METHOD_NOT_ALLOWED',
  // notify
  'NOTIFY_WEBHOOK_FAILED',
  'NOTIFY_EMAIL_FAILED',
  // cli
  'CLI_USAGE',
] as const
export type ErrorCode = (typeof ERROR_CODES)[number]

export abstract class AppError extends Error {
  abstract readonly code: ErrorCode
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
  }
}

/** A problem the user can fix; the CLI prints its message on one line and exits 1. */
export class UserError extends AppError {
  readonly code: ErrorCode
  constructor(message: string, code: ErrorCode = 'CLI_USAGE', options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

/** The machine-readable form of an error, as stored in results, rows and --json output. */
export interface ErrorInfo {
  readonly code: string
  readonly message: string
}

/**
 * Errors from rooms that cannot import this file (openstack/ is publishable alone) carry the same
 * string codes on a `code` property; they are read the same way.
 */
export function toErrorInfo(err: unknown): ErrorInfo {
  if (err instanceof AppError) return { code: err.code, message: err.message }
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code
    return { code: typeof code === 'string' && /^[A-Z]+_[A-Z_]+$/.test(code) ? code : 'INTERNAL', message: err.message }
  }
  return { code: 'INTERNAL', message: String(err) }
}
