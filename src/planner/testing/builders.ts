/** Tiny builders for planner tests: plain objects with defaults, overridden per test. */
import type { SnapshotRecord, VolumeRef } from '../../domain/inventory.ts'
import type { Schedule, SnapshotPolicy } from '../../domain/policy.ts'

export const VOLUME_ID = '1b2c3d4e-0000-4000-8000-000000000001'

export function aVolume(over: Partial<VolumeRef> & { serverIds?: readonly string[] } = {}): VolumeRef {
  const { serverIds, ...rest } = over
  return {
    id: VOLUME_ID,
    projectId: 'proj-a',
    name: 'db-data',
    status: serverIds && serverIds.length > 0 ? 'in-use' : 'available',
    sizeGb: 1,
    createdAt: new Date('2026-01-01T00:00:00Z'),
    metadata: {},
    attachments: (serverIds ?? []).map((serverId) => ({ serverId })),
    multiattach: (serverIds?.length ?? 0) > 1,
    ...rest,
  }
}

export function aSnapshot(over: Partial<SnapshotRecord> & { at?: string } = {}): SnapshotRecord {
  const { at, ...rest } = over
  return {
    id: 'snap-1',
    volumeId: VOLUME_ID,
    projectId: 'proj-a',
    name: 'snap',
    status: 'available',
    sizeGb: 1,
    createdAt: new Date(at ?? '2026-03-01T00:00:00Z'),
    metadata: {},
    ...rest,
  }
}

export function aDailyPolicy(over: Partial<SnapshotPolicy> & { schedule?: Schedule } = {}): SnapshotPolicy {
  return {
    name: 'daily',
    schedule: { kind: 'daily', timezone: 'UTC', startTime: { hour: 2, minute: 0 } },
    retention: { maxAgeDays: 2, timezone: 'UTC' },
    source: 'snapwarden',
    ...over,
  }
}

/** Metadata that subscribes one kind via our keys: `ours('daily', { 'start-time': '02:00' })`. */
export function ours(kind: string, fields: Readonly<Record<string, string>> = {}): Record<string, string> {
  const out: Record<string, string> = { [`x-snapwarden-${kind}-enabled`]: 'true' }
  for (const [k, v] of Object.entries(fields)) out[`x-snapwarden-${kind}-${k}`] = v
  return out
}

/** Same with SnapSentry's keys. */
export function theirs(kind: string, fields: Readonly<Record<string, string>> = {}): Record<string, string> {
  const out: Record<string, string> = { 'x-snapsentry-managed': 'true', [`x-snapsentry-${kind}-enabled`]: 'true' }
  for (const [k, v] of Object.entries(fields)) out[`x-snapsentry-${kind}-${k}`] = v
  return out
}
