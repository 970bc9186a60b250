import type { SimState } from './sim-state.ts'

export interface ScaleOptions {
  readonly projects: number
  /** Total volumes, spread round-robin over the projects. */
  readonly volumes: number
  /** Total servers, spread round-robin over the projects. Default 0. */
  readonly servers?: number
  /** Share of volumes attached to a server of their project, 0..1. Default 0.5. */
  readonly attachedRatio?: number
  readonly snapshotsPerVolume?: number
  readonly backupsPerVolume?: number
  /** Every n-th volume gets `metadata[policyKey] = policyValue`. Default every volume. */
  readonly policyEvery?: number
  readonly policyKey?: string
  readonly policyValue?: string
  /** Name prefix for projects, volumes and servers. Default `scale`. */
  readonly prefix?: string
}

export interface ScaleResult {
  readonly projectIds: readonly string[]
  readonly volumes: number
  readonly servers: number
  readonly snapshots: number
  readonly backups: number
}

/**
 * Builds a large deterministic inventory directly in the state (no HTTP). Creation times are
 * strictly increasing so every index append is O(1); quotas of these projects are unlimited.
 */
export function seedScale(state: SimState, opts: ScaleOptions): ScaleResult {
  const prefix = opts.prefix ?? 'scale'
  const base = state.now() - 30 * 24 * 3600_000
  let tick = 0
  const next = (): number => base + tick++ * 10
  const projectIds: string[] = []
  for (let p = 0; p < opts.projects; p++) {
    const project = state.identity.addProject({ name: `${prefix}-project-${p}` })
    state.setQuota(project.id, { volumes: -1, snapshots: -1, backups: -1, gigabytes: -1, backupGigabytes: -1 })
    projectIds.push(project.id)
  }
  const serversByProject = new Map<string, string[]>()
  const nServers = opts.servers ?? 0
  for (let i = 0; i < nServers; i++) {
    const projectId = projectIds[i % projectIds.length] as string
    const s = state.addServer({ projectId, name: `${prefix}-server-${i}`, createdAt: next() })
    const list = serversByProject.get(projectId) ?? []
    list.push(s.id)
    serversByProject.set(projectId, list)
  }
  const attachedRatio = opts.attachedRatio ?? 0.5
  const every = opts.policyEvery ?? 1
  let snapshots = 0
  let backups = 0
  for (let i = 0; i < opts.volumes; i++) {
    const projectId = projectIds[i % projectIds.length] as string
    const metadata: Record<string, string> = {}
    if (i % every === 0) metadata[opts.policyKey ?? 'snapwarden:policy'] = opts.policyValue ?? 'daily'
    const vol = state.addVolume({ projectId, name: `${prefix}-volume-${i}`, size: 1 + (i % 50), createdAt: next(), metadata })
    const servers = serversByProject.get(projectId)
    if (servers !== undefined && servers.length > 0 && state.prng.next() < attachedRatio) {
      state.attach(servers[i % servers.length] as string, vol.id)
    }
    for (let s = 0; s < (opts.snapshotsPerVolume ?? 0); s++) {
      state.addSnapshot({ volumeId: vol.id, name: `${prefix}-snap-${i}-${s}`, createdAt: next() })
      snapshots++
    }
    let parentId: string | null = null
    for (let b = 0; b < (opts.backupsPerVolume ?? 0); b++) {
      parentId = state.addBackup({ volumeId: vol.id, name: `${prefix}-backup-${i}-${b}`, createdAt: next(), parentId }).id
      backups++
    }
  }
  return { projectIds, volumes: opts.volumes, servers: nServers, snapshots, backups }
}
