/**
 * The hold: a metadata key a user (or operator) sets on a Cinder backup or snapshot so that
 * non-admins cannot delete it, whoever made it, and retention does not expire it (nor, for an
 * incremental backup, the chain it needs). The protection API reads it from the policy target
 * Cinder sends (Cinder puts the object's metadata there); retention from the listing.
 */
export const HOLD_KEY = 'x-snapwarden-hold'

/** `held`: `true` (any case); `none`: absent or `false`; `unreadable`: any other value (held too). */
export type HoldState = 'held' | 'none' | 'unreadable'

/** What the hold key of `metadata` says; a value we cannot read holds (fail-closed). */
export function readHold(metadata: Readonly<Record<string, unknown>>): { readonly state: HoldState; readonly value?: unknown } {
  if (!Object.hasOwn(metadata, HOLD_KEY)) return { state: 'none' }
  const value = metadata[HOLD_KEY]
  const text = typeof value === 'string' ? value.trim().toLowerCase() : undefined
  if (text === 'true') return { state: 'held', value }
  if (text === 'false') return { state: 'none', value }
  return { state: 'unreadable', value }
}

/** The reason retention gives for keeping a held backup or snapshot, or undefined when it is not held. */
export function holdReason(metadata: Readonly<Record<string, unknown>>): string | undefined {
  const hold = readHold(metadata)
  if (hold.state === 'held') return `${HOLD_KEY} is set: held by a user; never expired`
  if (hold.state === 'unreadable') return `${HOLD_KEY}=${JSON.stringify(hold.value)} cannot be read (accepted: true, false): held; never expired`
  return undefined
}
