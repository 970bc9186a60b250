import { badRequest, forbidden, notFound, stringMap, type SimContext } from './sim-http.ts'
import type { SimBackup, SimSnapshot, SimVolume } from './sim-types.ts'

/** Cinder hides other projects' resources from non-admins as "could not be found". */
function visible(ctx: SimContext, projectId: string): boolean {
  return ctx.isAdmin || ctx.token?.projectId === projectId
}

export function findVolume(ctx: SimContext, id: string): SimVolume {
  const v = ctx.state.volumes.get(id)
  if (v === undefined || !visible(ctx, v.projectId)) throw notFound(`Volume ${id} could not be found.`)
  return v
}

export function findSnapshot(ctx: SimContext, id: string): SimSnapshot {
  const s = ctx.state.snapshots.get(id)
  if (s === undefined || !visible(ctx, s.projectId)) throw notFound(`Snapshot ${id} could not be found.`)
  return s
}

export function findBackup(ctx: SimContext, id: string): SimBackup {
  const b = ctx.state.backups.get(id)
  if (b === undefined || !visible(ctx, b.projectId)) throw notFound(`Backup ${id} could not be found.`)
  return b
}

export function requireAdmin(ctx: SimContext, policy: string): void {
  if (!ctx.isAdmin) throw forbidden(`Policy doesn't allow ${policy} to be performed.`)
}

export function overLimit(message: string): { status: number; body: unknown; headers: Record<string, string> } {
  return { status: 413, body: { overLimit: { code: 413, message, retryAfter: '0' } }, headers: { 'retry-after': '0' } }
}

/** Reads a boolean the way Cinder's `strutils.bool_from_string(strict=True)` does. */
export function parseBool(v: unknown, field: string): boolean {
  if (v === undefined || v === null) return false
  if (typeof v === 'boolean') return v
  const s = String(v).toLowerCase()
  if (['1', 't', 'true', 'on', 'y', 'yes'].includes(s)) return true
  if (['0', 'f', 'false', 'off', 'n', 'no'].includes(s)) return false
  throw badRequest(`Invalid input for field/attribute ${field}. Value: ${String(v)}. ${String(v)} is not of type 'boolean'`)
}

export function optString(v: unknown): string | null {
  return typeof v === 'string' ? v : null
}

/** Metadata sub-resource handlers shared by volumes and snapshots. */
export function metadataOps(
  target: { metadata: Record<string, string>; updatedAt: number | null },
  now: number,
): {
  merge(m: Record<string, string>): Record<string, string>
  replace(m: Record<string, string>): Record<string, string>
} {
  return {
    merge(m) {
      target.metadata = { ...target.metadata, ...m }
      target.updatedAt = now
      return { ...target.metadata }
    },
    replace(m) {
      target.metadata = { ...m }
      target.updatedAt = now
      return { ...target.metadata }
    },
  }
}

/** The `{"metadata": {...}}` body of a metadata POST/PUT. */
export function metadataBody(ctx: SimContext): Record<string, string> {
  const b = ctx.body
  if (typeof b !== 'object' || b === null || !('metadata' in b)) throw badRequest('Malformed request body')
  return stringMap((b as { metadata: unknown }).metadata, 'metadata')
}
