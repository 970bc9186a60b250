/**
 * A simulator for campaigns that drive the real CLI as child processes. The children run on real
 * time, so the simulator does too (system clock, transitions settled by the next request), and its
 * latency is waited for on real timers: that is the simulated cloud being slow, never the test
 * waiting. Every request passes through one hook on arrival (a global latency of a few ms makes the
 * simulator call it for each request), which campaigns use to hold the first requests of two
 * processes together, or to kill a child at a seeded moment ("the k-th request").
 */
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { startSimulator, type FaultRule, type SimVolume, type Simulator } from '../../src/simulator/index.ts'
import { writeCloudsYaml, writeConfig } from './run-cli.ts'

/**
 * Called with the request's arrival number (1-based since the last `resetArrivals`) and the latency
 * the simulator asks for (its global latency plus latency faults). A returned promise replaces
 * that wait: the request is handled when it resolves.
 */
export type ArrivalHook = (n: number, latencyMs: number) => Promise<void> | undefined

export interface RealtimeSim {
  readonly sim: Simulator
  readonly adminProjectId: string
  /** The default seed's member project; the admin user has a member role in it (as an operator running with --all-projects would). */
  readonly demoProjectId: string
  /** Requests that arrived since the last `resetArrivals()`. */
  readonly arrivals: number
  resetArrivals(): void
  /** Replaces the arrival hook (undefined: none). */
  onArrival(hook: ArrivalHook | undefined): void
  /** Resolves once the requests inside the simulator now (not later ones) have been handled or dropped. */
  handled(): Promise<void>
  /** Resolves once no request is inside the simulator (bounded). */
  drained(): Promise<void>
  /** Requests now inside the simulator (held or in their latency). */
  inFlight(): number
  close(): Promise<void>
}

export interface RealtimeSimOptions {
  readonly seed: number
  /** Added to every request; at least 1 so that every request reaches the arrival hook. Default 2. */
  readonly latencyMs?: number
  readonly faults?: readonly FaultRule[]
}

/** Route keys as the simulator counts them (and as fault rules name them). */
export const CAMPAIGN_ROUTES = {
  createSnapshot: 'POST /volume/v3/{project_id}/snapshots',
  createBackup: 'POST /volume/v3/{project_id}/backups',
  quota: 'GET /volume/v3/{project_id}/os-quota-sets/{target_project_id}',
} as const

export async function startRealtimeSim(opts: RealtimeSimOptions): Promise<RealtimeSim> {
  let arrivals = 0
  let hook: ArrivalHook | undefined
  const inside = new Set<Promise<void>>()
  const sleep = (ms: number): Promise<void> => {
    arrivals += 1
    const p = hook?.(arrivals, ms) ?? latencyWait(ms)
    inside.add(p)
    void p.finally(() => inside.delete(p))
    return p
  }
  const sim = await startSimulator({ seed: opts.seed, transitionMs: 0, latencyMs: Math.max(1, opts.latencyMs ?? 2), sleep, faults: opts.faults ?? [] })
  const { adminProjectId, demoProjectId } = sim.seeded!
  // The default quotas (10) would cap the campaigns, not the code under test.
  for (const p of [adminProjectId, demoProjectId]) {
    sim.state.setQuota(p, { snapshots: 100_000, volumes: 100_000, gigabytes: 1_000_000, backups: 100_000, backupGigabytes: 1_000_000 })
  }
  // With a role there, the admin's creates for demo's volumes are made in demo (project-scoped), as in Cinder.
  sim.state.identity.grant(sim.state.identity.findUserByName('admin', 'default')!.id, demoProjectId, 'member')
  return {
    sim,
    adminProjectId,
    demoProjectId,
    get arrivals() {
      return arrivals
    },
    resetArrivals: () => {
      arrivals = 0
    },
    onArrival: (h) => {
      hook = h
    },
    async handled() {
      await Promise.allSettled([...inside])
      // Let the handler run its synchronous part after the latency resolved.
      await new Promise((r) => setImmediate(r))
    },
    async drained() {
      // Bounded: each round waits for the requests inside now; new ones only come from live clients.
      for (let i = 0; i < 1000 && inside.size > 0; i++) {
        await Promise.allSettled([...inside])
        // Let the handler run its synchronous part after the latency resolved.
        await new Promise((r) => setImmediate(r))
      }
    },
    inFlight: () => inside.size,
    close: () => sim.close(),
  }
}

/** The simulated cloud's latency, on real timers (the children it answers run on real time). */
export function latencyWait(ms: number): Promise<void> {
  return new Promise<void>((r) => setTimeout(r, ms))
}

/** Resolves once `parties` callers have arrived; arrivals past that pass straight through. */
export function holdUntil(parties: number): ArrivalHook {
  let release: () => void = () => {}
  const all = new Promise<void>((r) => (release = r))
  let seen = 0
  return () => {
    seen += 1
    if (seen > parties) return undefined
    if (seen === parties) release()
    return all
  }
}

/** A clouds.yaml with the simulator's admin user as cloud `sim`, and the env that selects it. */
export function cloudEnv(sim: Simulator, dir: string, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  const file = writeCloudsYaml(dir, { sim: sim.cloudConfig('admin') })
  return { OS_CLIENT_CONFIG_FILE: file, OS_CLOUD: 'sim', ...extra }
}

/** Writes the config file and returns the global options that name it. */
export function configArgs(dir: string, config: Readonly<Record<string, unknown>>): string[] {
  return ['--config', writeConfig(dir, config)]
}

/** `sqlite:<dir>/snapwarden.db`. */
export function sqliteUrl(dir: string): string {
  return `sqlite:${join(dir, 'snapwarden.db')}`
}

/**
 * What a killed worker's leases look like once they ran out: every task lease and named lease of
 * the SQLite store ends now. The children run on real time and a task lease lasts at least five
 * minutes, so a campaign moves those instants instead of waiting (as a ManualClock test advances
 * its clock). Only for a store no live process holds a lease in.
 */
export function expireLeases(storeUrl: string, nowMs = Date.now()): { tasks: number; leases: number } {
  const db = new Database(storeUrl.replace(/^sqlite:/, ''))
  try {
    const tasks = db.prepare('UPDATE backup_tasks SET lease_expires_at = ? WHERE lease_expires_at IS NOT NULL AND lease_expires_at > ?').run(nowMs - 1, nowMs - 1).changes
    const leases = db.prepare('UPDATE leases SET expires_at = ? WHERE expires_at > ?').run(nowMs - 1, nowMs - 1).changes
    return { tasks, leases }
  } finally {
    db.close()
  }
}

/** Removes volumes with their snapshots and backups, and servers, so later repetitions list less. */
export function removeScenario(sim: Simulator, volumes: readonly SimVolume[], serverIds: readonly string[] = []): void {
  const ids = new Set(volumes.map((v) => v.id))
  for (const s of sim.state.snapshots.list().filter((x) => ids.has(x.volumeId))) sim.state.removeResource(s)
  for (const b of sim.state.backups.list().filter((x) => ids.has(x.volumeId))) sim.state.removeResource(b)
  for (const id of serverIds) {
    const server = sim.state.servers.get(id)
    if (server) sim.state.servers.remove(server)
  }
  for (const v of volumes) sim.state.removeResource(v)
}
