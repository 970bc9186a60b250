import type { Clock } from '../../domain/clock.ts'
import { AppError, type ErrorCode } from '../../domain/errors.ts'
import type { BackupRecord, SnapshotRecord } from '../../domain/inventory.ts'
import type { Cloud, CreateBackupRequest, CreateSnapshotRequest } from '../../domain/ports.ts'

/** An HTTP-shaped error as cloud/ would throw it: a code and a status. */
export class FakeHttpError extends AppError {
  readonly code: ErrorCode
  readonly status: number
  readonly retryAfterMs: number | undefined
  constructor(code: ErrorCode, status: number, message: string, retryAfterMs?: number) {
    super(message)
    this.code = code
    this.status = status
    this.retryAfterMs = retryAfterMs
  }
}

export const transientError = (message = 'Service Unavailable (HTTP 503)', retryAfterMs?: number): FakeHttpError =>
  new FakeHttpError('OS_HTTP', 503, message, retryAfterMs)
export const networkError = (message = 'socket hang up'): FakeHttpError => new FakeHttpError('OS_NETWORK', 0, message)
export const forbiddenError = (message = 'Policy does not allow this action (HTTP 403)'): FakeHttpError =>
  new FakeHttpError('OS_FORBIDDEN', 403, message)
export const badRequestError = (message = 'Invalid snapshot: status must be available or error (HTTP 400)'): FakeHttpError =>
  new FakeHttpError('OS_BAD_REQUEST', 400, message)

/**
 * An in-memory Cloud whose methods are plain function fields: replace one to inject a fault, and
 * call `fake.base.<method>` from the replacement to keep the in-memory behaviour.
 */
export interface FakeCloud extends Cloud {
  readonly snapshots: Map<string, SnapshotRecord>
  /** Backups: created `creating`, they become `available` after `readsUntilAvailable` reads. */
  readonly backups: Map<string, BackupRecord>
  /**
   * Calls in order: `create vol-1`, `find vol-1`, `list-snapshots x-snapwarden-window=<key>` (one
   * listing round), `get snap-0001`, `delete …`, `force-delete …`.
   */
  readonly calls: string[]
  /** The in-memory implementations, for wrappers. */
  readonly base: Pick<
    Cloud,
    | 'createSnapshot' | 'findSnapshots' | 'listSnapshotsByMetadata' | 'getSnapshot' | 'deleteSnapshot' | 'forceDeleteSnapshot'
    | 'createBackup' | 'getBackup' | 'deleteBackup' | 'forceDeleteBackup'
  >
  /** Puts a snapshot in place as if another run or an earlier crash had made it. */
  addSnapshot(s: Partial<SnapshotRecord> & { readonly id: string; readonly volumeId: string }): SnapshotRecord
  /** A `creating` snapshot becomes `available` after it has been read this many times (default 1). */
  readsUntilAvailable: number
}

const notInFake = (name: string) => (): never => {
  throw new Error(`fake cloud: ${name} is not implemented`)
}

export function createFakeCloud(clock: Clock): FakeCloud {
  const snapshots = new Map<string, SnapshotRecord>()
  const reads = new Map<string, number>()
  const backups = new Map<string, BackupRecord>()
  const calls: string[] = []
  let seq = 0

  const observe = <T extends { readonly id: string; readonly status: string }>(s: T, into: Map<string, T> = snapshots as unknown as Map<string, T>): T => {
    if (s.status !== 'creating') return s
    const n = (reads.get(s.id) ?? 0) + 1
    reads.set(s.id, n)
    if (n < fake.readsUntilAvailable) return s
    const next = { ...s, status: 'available' }
    into.set(s.id, next)
    return next
  }
  const add = (s: Partial<SnapshotRecord> & { id: string; volumeId: string }): SnapshotRecord => {
    const rec: SnapshotRecord = {
      projectId: 'project-a',
      name: s.id,
      status: 'available',
      sizeGb: 1,
      createdAt: clock.now(),
      metadata: {},
      ...s,
    }
    snapshots.set(rec.id, rec)
    return rec
  }

  const base: FakeCloud['base'] = {
    async createSnapshot(req: CreateSnapshotRequest) {
      calls.push(`create ${req.volumeId}`)
      const id = `snap-${String(++seq).padStart(4, '0')}`
      return add({ id, volumeId: req.volumeId, projectId: req.projectId, name: req.name, status: 'creating', metadata: { ...req.metadata } })
    },
    async findSnapshots(volumeId, metadata) {
      calls.push(`find ${volumeId}`)
      return [...snapshots.values()]
        .filter((s) => s.volumeId === volumeId && Object.entries(metadata).every(([k, v]) => s.metadata[k] === v))
        .map((s) => observe(s))
    },
    async listSnapshotsByMetadata(query) {
      calls.push(`list-snapshots ${Object.entries(query.metadata).map(([k, v]) => `${k}=${v}`).join(',')}`)
      return [...snapshots.values()]
        .filter((s) => query.projectIds.includes(s.projectId) && Object.entries(query.metadata).every(([k, v]) => s.metadata[k] === v))
        .map((s) => observe(s))
    },
    async getSnapshot(id) {
      calls.push(`get ${id}`)
      const s = snapshots.get(id)
      return s && observe(s)
    },
    async deleteSnapshot(id) {
      calls.push(`delete ${id}`)
      const s = snapshots.get(id)
      if (!s) return
      if (s.status !== 'available' && s.status !== 'error') throw badRequestError()
      snapshots.delete(id)
    },
    async forceDeleteSnapshot(id) {
      calls.push(`force-delete ${id}`)
      snapshots.delete(id)
    },
    async createBackup(req: CreateBackupRequest) {
      calls.push(`create-backup ${req.volumeId} ${req.incremental ? 'incremental' : 'full'}`)
      const id = `backup-${String(++seq).padStart(4, '0')}`
      backups.set(id, {
        id, volumeId: req.volumeId, projectId: req.projectId, name: req.name, status: 'creating', sizeGb: 1,
        createdAt: clock.now(), isIncremental: req.incremental, hasDependentBackups: false, metadata: {},
      })
      return { id, name: req.name }
    },
    async getBackup(id: string) {
      calls.push(`get-backup ${id}`)
      const b = backups.get(id)
      return b && observe(b, backups)
    },
    async deleteBackup(id: string) {
      calls.push(`delete-backup ${id}`)
      const b = backups.get(id)
      if (b && b.status !== 'available' && b.status !== 'error') throw badRequestError('Invalid backup: status must be available or error (HTTP 400)')
      backups.delete(id)
    },
    async forceDeleteBackup(id: string) {
      calls.push(`force-delete-backup ${id}`)
      backups.delete(id)
    },
  }

  const fake: FakeCloud = {
    snapshots,
    backups,
    calls,
    base,
    readsUntilAvailable: 1,
    addSnapshot: add,
    ...base,
    isTransient: (err) => err instanceof FakeHttpError && (err.status === 0 || err.status === 429 || err.status >= 500),
    retryAfterMs: (err) => (err instanceof FakeHttpError ? err.retryAfterMs : undefined),
    identity: notInFake('identity'),
    listProjects: notInFake('listProjects'),
    listVolumes: notInFake('listVolumes'),
    getVolume: notInFake('getVolume'),
    setVolumeMetadata: notInFake('setVolumeMetadata'),
    deleteVolumeMetadataKey: notInFake('deleteVolumeMetadataKey'),
    listServers: notInFake('listServers'),
    async *listSnapshots() {
      yield* snapshots.values()
    },
    async *listBackups() {
      yield* backups.values()
    },
    async listRecentBackups(query, _signal, onPage) {
      calls.push('list-recent-backups')
      const since = query.createdSince.getTime()
      const listed = [...backups.values()]
        .filter((b) => b.createdAt.getTime() >= since)
        .reverse()
        .map((b) => observe(b, backups))
      onPage?.(listed)
      return listed
    },
    async listBackupsByStatus(query) {
      calls.push(`list-backups ${query.status}`)
      return [...backups.values()].filter((b) => b.status === query.status)
    },
    async findBackups(query) {
      return [...backups.values()].filter((b) => b.volumeId === query.volumeId && b.name === query.name)
    },
    getQuota: notInFake('getQuota'),
  }
  return fake
}

/**
 * Counts the fake cloud's snapshot creates in flight: each create yields once (so concurrent ones
 * overlap) before the fake answers it. `onCreate` is told as each one starts.
 */
export function trackCreatesInFlight(cloud: FakeCloud, onCreate: () => void = () => {}): { peak(): number } {
  let inFlight = 0
  let peak = 0
  cloud.createSnapshot = async (req, signal) => {
    inFlight++
    peak = Math.max(peak, inFlight)
    onCreate()
    try {
      await new Promise<void>((resolve) => setImmediate(resolve))
      return await cloud.base.createSnapshot(req, signal)
    } finally {
      inFlight--
    }
  }
  return { peak: () => peak }
}
