/**
 * The benchmark scenarios, seeded straight into the simulator's state (no HTTP, so seeding costs
 * no API calls). Deterministic: the same options give the same fleet, tags and ids.
 */
import { createPrng, type Simulator } from '../../src/simulator/index.ts'
import type { Row } from './bench-report.ts'
import { seedFleet } from './seed-fleet.ts'

interface FleetScenario {
  readonly seed: number
  readonly projects: number
  readonly servers: number
  readonly volumes: number
  /** Share of volumes attached to a server of their project, 0..1. */
  readonly attachedRatio: number
  /** Every n-th attached volume is multi-attached to a second server. */
  readonly multiAttachEvery: number
}

export interface SnapshotScenario extends FleetScenario {
  readonly kind: 'snapshot'
  /** Share of the fleet's volumes tagged with a daily policy whose window is open now. */
  readonly taggedShare: number
}

export interface BackupScenario extends FleetScenario {
  readonly kind: 'backup'
  /** Share of servers with `__staffeln_backup: true`. */
  readonly taggedShare: number
}

export type Scenario = SnapshotScenario | BackupScenario

/** What was seeded: rows to print, and the sizes the lower bound is computed from. */
export interface ScenarioFacts {
  readonly rows: readonly Row[]
  /** Everything an all_tenants listing returns (fleet + the simulator's default seed). */
  readonly listed: { readonly volumes: number; readonly snapshots: number; readonly backups: number; readonly servers: number }
  readonly tagged: number
  /** The credential's own project (the admin project): no extra token is needed for it. */
  readonly adminProjectId: string
}

/** The daily policy in our own keys: start 00:00 UTC, so today's window is open at any instant. */
export const DAILY_POLICY = { 'x-snapwarden-daily-enabled': 'true', 'x-snapwarden-daily-keep-count': '7' } as const
export const BACKUP_TAG = { __staffeln_backup: 'true' } as const

export function seedScenario(sim: Simulator, s: Scenario): ScenarioFacts {
  const fleet = seedFleet(sim, { ...s, prefix: 'bench' })
  // As an operator sets up a service user: a role in every project, so the CLI's per-project tokens
  // put each snapshot and backup in its volume's project (not in the credential's own project).
  const admin = sim.state.identity.findUserByName('admin', 'default')
  if (admin === undefined) throw new Error('the simulator has no admin user (default seed missing)')
  for (const p of sim.state.identity.projects.values()) {
    if (sim.state.identity.rolesOn(admin.id, p.id).length === 0) sim.state.identity.grant(admin.id, p.id, 'member')
  }
  const prng = createPrng(s.seed + 1)
  let tagged = 0
  if (s.kind === 'snapshot') {
    for (const v of fleet.volumes) {
      if (prng.next() >= s.taggedShare) continue
      Object.assign(v.metadata, DAILY_POLICY)
      tagged++
    }
  } else {
    for (const p of fleet.projectIds) {
      for (const server of sim.state.servers.list(p)) {
        if (prng.next() >= s.taggedShare) continue
        Object.assign(server.metadata, BACKUP_TAG)
        tagged++
      }
    }
  }
  const state = sim.state
  return {
    rows: [
      ['projects', s.projects],
      ['servers', s.servers],
      ['volumes', fleet.volumes.length],
      ['attached / detached / multi-attached volumes', `${fleet.attached} / ${fleet.detached} / ${fleet.multiAttached}`],
      [s.kind === 'snapshot' ? 'volumes tagged daily (window open)' : 'servers tagged __staffeln_backup', tagged],
      ['listed with all_tenants (+ default seed): volumes / snapshots / servers / backups', `${state.volumes.size} / ${state.snapshots.size} / ${state.servers.size} / ${state.backups.size}`],
      ['admin user', 'admin role in its project, member in every other (per-project tokens)'],
      ['seed', String(s.seed)],
    ],
    listed: { volumes: state.volumes.size, snapshots: state.snapshots.size, backups: state.backups.size, servers: state.servers.size },
    tagged,
    adminProjectId: sim.seeded?.adminProjectId ?? '',
  }
}

/**
 * The scenario at another size (`--volumes N`): the same projects (at most one per volume), the same
 * volumes per server and every other share; the seed is kept, so a size is always the same fleet.
 */
export function withVolumes<S extends Scenario>(s: S, volumes: number): S {
  const servers = Math.max(1, Math.round((s.servers * volumes) / s.volumes))
  return { ...s, volumes, servers, projects: Math.min(s.projects, volumes) }
}
