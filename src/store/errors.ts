import { AppError, type ErrorCode } from '../domain/errors.ts'

/** A task or lease now belongs to someone else (or is no longer open): nothing was changed. */
export class StoreConflictError extends AppError {
  readonly code = 'STORE_CONFLICT' satisfies ErrorCode
}

/** A migration failed, or the database holds migrations this version does not know. */
export class StoreMigrationError extends AppError {
  readonly code = 'STORE_MIGRATION' satisfies ErrorCode
}

/** The database cannot be reached or opened (wrong URL, server down, file locked or unreadable). */
export class StoreUnavailableError extends AppError {
  readonly code = 'STORE_UNAVAILABLE' satisfies ErrorCode
}

/** The URL with any password replaced by `***`; safe for messages and logs. */
export function redactUrl(url: string): string {
  let out = url
  const m = /^([a-z][a-z0-9+.-]*:\/\/)(.*)$/is.exec(url)
  if (m) {
    const [, scheme = '', rest = ''] = m
    const q = rest.indexOf('?')
    const head = q < 0 ? rest : rest.slice(0, q)
    // The user info ends at the LAST '@' of the authority: a raw '@' may sit inside the password.
    const at = head.lastIndexOf('@')
    const colon = head.indexOf(':')
    if (at >= 0 && colon >= 0 && colon < at) out = `${scheme}${head.slice(0, colon)}:***${rest.slice(at)}`
  }
  return out.replace(/([?&]password=)[^&]*/gi, '$1***')
}

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EAI_AGAIN',
  '28P01', // invalid password
  '28000', // invalid authorization
  '3D000', // database does not exist
  '57P01', // admin shutdown
  '57P03', // cannot connect now
  '53300', // too many connections
  'SQLITE_CANTOPEN',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_NOTADB',
  'SQLITE_READONLY',
])

/**
 * Maps a driver error to a store error where it means "cannot reach the database"; other errors
 * pass through unchanged. Messages name the redacted target, never a password (the driver's own
 * error stays available as `cause`).
 */
export function toStoreError(err: unknown, target: string): unknown {
  if (err instanceof AppError) return err
  // Node's URL parser keeps the whole input (password included) on the error: drop it.
  if ((err as { code?: unknown } | undefined)?.code === 'ERR_INVALID_URL') {
    return new StoreUnavailableError(`store URL ${target} is not a valid URL`)
  }
  if (!isUnavailable(err)) return err
  const message = err instanceof Error ? err.message : String(err)
  return new StoreUnavailableError(`store ${target} unavailable: ${scrub(message)}`, { cause: err })
}

/** True for driver errors that mean "cannot reach or open the database". */
export function isUnavailable(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code
  if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true
  const message = err instanceof Error ? err.message : String(err)
  return /Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(message)
}

/** Removes anything that looks like credentials in a URL from a driver message. */
function scrub(message: string): string {
  return message.replace(/(\/\/[^/:@\s]*:)[^@\s]*@/g, '$1***@')
}
