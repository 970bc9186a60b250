/**
 * A deterministic fleet in the simulator's state (no HTTP): projects, servers and volumes spread
 * round-robin, most volumes attached, some detached, every n-th attached volume also attached to a
 * second server of its project (multi-attach).
 */
import type { Simulator } from '../../src/simulator/index.ts'
import type { SimVolume } from '../../src/simulator/index.ts'

export interface FleetOptions {
  readonly projects: number
  readonly servers: number
  readonly volumes: number
  /** Share of volumes attached to a server of their project, 0..1. */
  readonly attachedRatio: number
  /** Every n-th attached volume is multi-attached to a second server. */
  readonly multiAttachEvery: number
  /** Prefix of project, server and volume names. */
  readonly prefix: string
}

export interface Fleet {
  readonly projectIds: readonly string[]
  /** The fleet's volumes (the simulator's default seed excluded), in creation order. */
  readonly volumes: readonly SimVolume[]
  readonly attached: number
  readonly detached: number
  readonly multiAttached: number
}

export function seedFleet(sim: Simulator, o: FleetOptions): Fleet {
  const state = sim.state
  const scale = sim.seedScale({
    projects: o.projects,
    servers: o.servers,
    volumes: o.volumes,
    attachedRatio: o.attachedRatio,
    prefix: o.prefix,
    // seedScale always tags; use a key no policy reads so the bench decides what is tagged.
    policyKey: `${o.prefix}-seeded`,
    policyValue: 'true',
  })
  const volumes = scale.projectIds.flatMap((p) => state.volumes.list(p).filter((v) => v.name?.startsWith(`${o.prefix}-volume-`)))
  volumes.sort((a, b) => a.createdAt - b.createdAt)
  let attachedSeen = 0
  let multiAttached = 0
  for (const v of volumes) {
    if (v.attachments.length === 0) continue
    attachedSeen++
    if (attachedSeen % o.multiAttachEvery !== 0) continue
    const first = v.attachments[0]!.serverId
    const other = state.servers.list(v.projectId).find((s) => s.id !== first)
    if (other === undefined) continue
    v.multiattach = true
    state.attach(other.id, v.id)
    multiAttached++
  }
  const attached = volumes.filter((v) => v.attachments.length > 0).length
  return { projectIds: scale.projectIds, volumes, attached, detached: volumes.length - attached, multiAttached }
}
