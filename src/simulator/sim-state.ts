import type { Prng } from './prng.ts'
import type { SimClock } from './sim-clock.ts'
import type { SimFaults } from './sim-faults.ts'
import { SimIdentity } from './sim-identity.ts'
import { SortedIndex } from './sorted-index.ts'
import { TransitionQueue } from './transition-queue.ts'
import type {
  SimBackup,
  SimQuota,
  SimResource,
  SimServer,
  SimSnapshot,
  SimTransition,
  SimVolume,
} from './sim-types.ts'

export const DEFAULT_QUOTA: Readonly<SimQuota> = {
  volumes: 10,
  snapshots: 10,
  backups: 10,
  gigabytes: 1000,
  backupGigabytes: 1000,
  perVolumeGigabytes: -1,
  groups: 10,
}

export interface StateOptions {
  readonly prng: Prng
  readonly clock: SimClock
  readonly faults: SimFaults
  readonly tokenLifetimeMs: number
  /** How long creating/deleting lasts on the simulator's clock. 0: settled by the next request. */
  readonly transitionMs: number
}

type Opt<T, K extends keyof T> = Omit<T, K> & Partial<Pick<T, K>>

/**
 * Everything the simulator knows. Tests use it as the scenario API (add projects, users,
 * volumes, servers, snapshots, backups directly); the HTTP routes use it too.
 */
export class SimState {
  readonly identity: SimIdentity
  /** Indexed by status, and snapshots and backups by volume id too: Cinder's indexed filters. */
  readonly volumes = new SortedIndex<SimVolume>(['status'])
  readonly snapshots = new SortedIndex<SimSnapshot>(['volumeId', 'status'])
  readonly backups = new SortedIndex<SimBackup>(['volumeId', 'status'])
  readonly servers = new SortedIndex<SimServer>()
  readonly quotas = new Map<string, SimQuota>()
  transitionMs: number
  private readonly pending = new TransitionQueue()
  /** Backups per parent id (for has_dependent_backups and delete checks). */
  private readonly children = new Map<string, Set<string>>()

  constructor(private readonly opts: StateOptions) {
    this.identity = new SimIdentity(opts.prng, opts.clock, opts.tokenLifetimeMs)
    this.transitionMs = opts.transitionMs
  }

  get prng(): Prng {
    return this.opts.prng
  }

  now(): number {
    return this.opts.clock.now()
  }

  quota(projectId: string): SimQuota {
    return this.quotas.get(projectId) ?? { ...DEFAULT_QUOTA }
  }

  setQuota(projectId: string, q: Partial<SimQuota>): void {
    this.quotas.set(projectId, { ...this.quota(projectId), ...q })
  }

  addVolume(v: Opt<Omit<SimVolume, 'kind'>, 'id' | 'createdAt' | 'updatedAt' | 'status' | 'metadata' | 'multiattach' | 'bootable' | 'volumeType' | 'attachments' | 'description' | 'userId' | 'size'>): SimVolume {
    const vol: SimVolume = {
      kind: 'volume',
      id: v.id ?? this.prng.uuid(),
      createdAt: v.createdAt ?? this.now(),
      updatedAt: v.updatedAt ?? null,
      status: v.status ?? 'available',
      metadata: v.metadata ?? {},
      multiattach: v.multiattach ?? false,
      bootable: v.bootable ?? false,
      volumeType: v.volumeType ?? '__DEFAULT__',
      attachments: v.attachments ?? [],
      description: v.description ?? null,
      userId: v.userId ?? '',
      size: v.size ?? 1,
      projectId: v.projectId,
      name: v.name,
    }
    this.volumes.add(vol)
    if (v.transition !== undefined) this.schedule(vol, v.transition)
    return vol
  }

  addSnapshot(s: Opt<Omit<SimSnapshot, 'kind' | 'projectId' | 'size'>, 'id' | 'createdAt' | 'updatedAt' | 'status' | 'metadata' | 'description' | 'userId' | 'name'> & { projectId?: string; size?: number }): SimSnapshot {
    const vol = this.volumes.get(s.volumeId)
    const snap: SimSnapshot = {
      kind: 'snapshot',
      id: s.id ?? this.prng.uuid(),
      projectId: s.projectId ?? vol?.projectId ?? '',
      userId: s.userId ?? vol?.userId ?? '',
      volumeId: s.volumeId,
      name: s.name ?? null,
      description: s.description ?? null,
      size: s.size ?? vol?.size ?? 1,
      status: s.status ?? 'available',
      createdAt: s.createdAt ?? this.now(),
      updatedAt: s.updatedAt ?? null,
      metadata: s.metadata ?? {},
    }
    this.snapshots.add(snap)
    if (s.transition !== undefined) this.schedule(snap, s.transition)
    return snap
  }

  addBackup(b: Opt<Omit<SimBackup, 'kind' | 'projectId' | 'size' | 'dataTimestamp'>, 'id' | 'createdAt' | 'updatedAt' | 'status' | 'metadata' | 'description' | 'userId' | 'name' | 'snapshotId' | 'parentId' | 'objectCount' | 'failReason'> & { projectId?: string; size?: number; dataTimestamp?: number }): SimBackup {
    const vol = this.volumes.get(b.volumeId)
    const createdAt = b.createdAt ?? this.now()
    const backup: SimBackup = {
      kind: 'backup',
      id: b.id ?? this.prng.uuid(),
      projectId: b.projectId ?? vol?.projectId ?? '',
      userId: b.userId ?? vol?.userId ?? '',
      volumeId: b.volumeId,
      snapshotId: b.snapshotId ?? null,
      name: b.name ?? null,
      description: b.description ?? null,
      size: b.size ?? vol?.size ?? 1,
      status: b.status ?? 'available',
      createdAt,
      updatedAt: b.updatedAt ?? null,
      dataTimestamp: b.dataTimestamp ?? createdAt,
      metadata: b.metadata ?? {},
      parentId: b.parentId ?? null,
      objectCount: b.objectCount ?? 1,
      failReason: b.failReason ?? null,
      ...(b.volumeStatusBefore === undefined ? {} : { volumeStatusBefore: b.volumeStatusBefore }),
    }
    this.backups.add(backup)
    if (backup.parentId !== null) {
      const set = this.children.get(backup.parentId) ?? new Set<string>()
      set.add(backup.id)
      this.children.set(backup.parentId, set)
    }
    if (b.transition !== undefined) this.schedule(backup, b.transition)
    return backup
  }

  addServer(s: Opt<Omit<SimServer, 'createdAt' | 'updatedAt'>, 'id' | 'status' | 'metadata' | 'volumes' | 'userId'> & { createdAt?: number }): SimServer {
    const now = s.createdAt ?? this.now()
    const server = {
      id: s.id ?? this.prng.uuid(),
      projectId: s.projectId,
      userId: s.userId ?? '',
      name: s.name,
      status: s.status ?? 'ACTIVE',
      metadata: s.metadata ?? {},
      createdAt: now,
      updatedAt: now,
      volumes: [] as SimServer['volumes'],
    }
    this.servers.add(server)
    for (const v of s.volumes ?? []) this.attach(server.id, v.id, v.deleteOnTermination)
    return server
  }

  /** Attaches a volume to a server on both sides (Cinder attachment + Nova volumes_attached). */
  attach(serverId: string, volumeId: string, deleteOnTermination = false): void {
    const server = this.servers.get(serverId)
    const vol = this.volumes.get(volumeId)
    if (server === undefined || vol === undefined) throw new Error(`attach: unknown server ${serverId} or volume ${volumeId}`)
    if (vol.attachments.some((a) => a.serverId === serverId)) return
    const device = `/dev/sd${deviceLetters(server.volumes.length + 1)}`
    vol.attachments.push({ id: this.prng.uuid(), serverId, device, attachedAt: this.now() })
    vol.status = 'in-use'
    vol.updatedAt = this.now()
    server.volumes.push({ id: volumeId, deleteOnTermination })
  }

  detach(serverId: string, volumeId: string): void {
    const server = this.servers.get(serverId)
    const vol = this.volumes.get(volumeId)
    if (server !== undefined) server.volumes = server.volumes.filter((v) => v.id !== volumeId)
    if (vol !== undefined) {
      vol.attachments = vol.attachments.filter((a) => a.serverId !== serverId)
      if (vol.attachments.length === 0 && vol.status === 'in-use') vol.status = 'available'
      vol.updatedAt = this.now()
    }
  }

  hasDependentBackups(backupId: string): boolean {
    return (this.children.get(backupId)?.size ?? 0) > 0
  }

  /** Starts a status change that completes `transitionMs` from now (or at `t.at`). */
  schedule(r: SimResource, t: SimTransition | { to: string | null }): void {
    const transition = 'at' in t ? t : { to: t.to, at: this.now() + this.transitionMs }
    r.transition = transition
    this.pending.push(r, transition)
  }

  /** Applies every transition that is due; stuck resources stay; failing ones end in error. */
  settle(): void {
    if (this.pending.size === 0) return
    const now = this.now()
    const faults = this.opts.faults
    for (const r of this.pending.takeDue(now, (x) => faults.isStuck(x.kind, x.id, x.status))) {
      const t = r.transition as SimTransition
      delete r.transition
      let to = t.to
      if (faults.shouldFail(r.kind)) to = r.status === 'deleting' ? 'error_deleting' : 'error'
      if (to === null) this.removeResource(r)
      else {
        r.status = to
        r.updatedAt = now
        if (r.kind === 'backup' && to === 'error') r.failReason = 'simulated failure'
      }
      if (r.kind === 'backup' && r.volumeStatusBefore !== undefined && to !== 'creating') {
        const vol = this.volumes.get(r.volumeId)
        if (vol !== undefined && vol.status === 'backing-up') vol.status = r.volumeStatusBefore
        delete r.volumeStatusBefore
      }
    }
  }

  removeResource(r: SimResource): void {
    this.pending.delete(r)
    if (r.kind === 'volume') {
      this.volumes.remove(r)
      return
    }
    if (r.kind === 'snapshot') {
      this.snapshots.remove(r)
      return
    }
    this.backups.remove(r)
    if (r.parentId !== null) this.children.get(r.parentId)?.delete(r.id)
  }
}

/** 1 → b, 24 → z, 25 → aa: like Nova's device names after the root disk. */
function deviceLetters(n: number): string {
  let k = n + 1
  let out = ''
  while (k > 0) {
    k -= 1
    out = String.fromCharCode(97 + (k % 26)) + out
    k = Math.floor(k / 26)
  }
  return out
}
