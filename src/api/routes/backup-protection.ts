/**
 * Staffeln's contract, fail-closed: may a non-admin delete this backup (or snapshot)?
 * `True` only when we know nothing against it; `False` when it is protected, and also when the
 * request cannot be read or the store cannot be read (Cinder's rule keeps admins able to delete).
 */
import type { ErrorCode } from '../../domain/errors.ts'
import { toErrorInfo } from '../../domain/errors.ts'
import { HOLD_KEY, readHold } from '../../domain/hold.ts'
import { isObject, parsePolicyRequest } from '../policy-request.ts'

export const PROTECTED_KINDS = ['backup', 'snapshot'] as const
export type ProtectedKind = (typeof PROTECTED_KINDS)[number]

export interface ProtectionDecision {
  /** 200 for a decision; 4xx for a request we cannot read; 5xx when the store cannot be read. */
  readonly status: number
  readonly answer: 'True' | 'False'
  /** Why, for the log line. */
  readonly reason: string
  /** Set when the answer is `False` because something failed (4xx/5xx). */
  readonly code?: ErrorCode | 'INTERNAL'
  readonly id?: string
}

export interface ProtectionInput {
  readonly kind: ProtectedKind
  readonly query: unknown
  readonly contentType: string | undefined
  readonly body: string | undefined
}

/** Printable ASCII without spaces, at most 255 characters (Cinder ids are UUIDs). */
const ID_PATTERN = /^[\x21-\x7e]{1,255}$/

/** The request asks about a backup the request alone cannot decide: the store is asked about `id`. */
export interface LookupNeeded {
  readonly lookup: string
}

/**
 * What the request alone decides, synchronously (the hot path does no more than it must): a
 * decision when the request is malformed, held, or about a snapshot; otherwise the backup id to
 * look up, whose answer trackedDecision or storeFailure then gives.
 */
export function checkRequest(input: ProtectionInput): ProtectionDecision | LookupNeeded {
  const param = `${input.kind}_id`
  const raw = isObject(input.query) ? input.query[param] : undefined
  if (typeof raw !== 'string' || !ID_PATTERN.test(raw)) {
    const what = raw === undefined ? 'is missing' : Array.isArray(raw) ? 'is given more than once' : `"${String(raw).slice(0, 80)}" is not an id`
    return malformed(400, `query parameter ${param} ${what}; accepted: ?${param}=<id>, e.g. from the rule's %(id)s`)
  }
  const id = raw
  const parsed = parsePolicyRequest(input.contentType, input.body)
  if (!parsed.ok) return malformed(parsed.status, parsed.reason, id)
  const target = parsed.request.target
  if (target !== undefined) {
    if (Object.hasOwn(target, 'id') && target.id !== id) {
      return malformed(400, `the target's id ${shown(target.id)} is not the ${param} of the URL (${id}); accepted: the same ${input.kind}`, id)
    }
    const metadata = target.metadata
    if (metadata !== undefined && metadata !== null && !isObject(metadata)) {
      return malformed(400, `the target's metadata is not an object; accepted: a JSON object of strings`, id)
    }
    if (isObject(metadata)) {
      const hold = readHold(metadata)
      if (hold.state === 'held') return { status: 200, answer: 'False', reason: `${HOLD_KEY} is set`, id }
      if (hold.state === 'unreadable') {
        return {
          status: 200,
          answer: 'False',
          reason: `${HOLD_KEY}=${shown(hold.value)} cannot be read (accepted: true, false, any case): held`,
          id,
        }
      }
    }
  }
  if (input.kind === 'backup') return { lookup: id }
  return { status: 200, answer: 'True', reason: 'no hold', id }
}

/** The answer once the store said whether the backup is tracked. */
export function trackedDecision(id: string, tracked: boolean): ProtectionDecision {
  return tracked ? { status: 200, answer: 'False', reason: 'tracked by Snapwarden', id } : { status: 200, answer: 'True', reason: 'no hold, not tracked', id }
}

/** The answer when the store could not be read: False with 503 (fail-closed). */
export function storeFailure(id: string, err: unknown): ProtectionDecision {
  return { status: 503, answer: 'False', reason: `the store cannot be read: ${toErrorInfo(err).message}`, code: 'STORE_UNAVAILABLE', id }
}

/** A value from the request as shown in a log line: JSON, at most 80 characters. */
function shown(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v)
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}

function malformed(status: 400 | 415, reason: string, id?: string): ProtectionDecision {
  return { status, answer: 'False', reason, code: 'API_BAD_REQUEST', ...(id !== undefined ? { id } : {}) }
}
