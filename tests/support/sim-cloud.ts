/**
 * An in-process simulator with our real client and adapter in front of it, for end-to-end tests of
 * the snapshot cycle. Time is the simulator's ManualClock everywhere: the planner's `now`, the
 * executor's clock, and `sleep` (which advances it instead of waiting).
 */
import { OpenStackCloud } from '../../src/cloud/openstack-cloud.ts'
import { simulatorCloudConfig } from '../../src/cli/demo-simulator.ts'
import type { CycleDeps } from '../../src/cycles/snapshot-cycle.ts'
import { validateConfig } from '../../src/config/validate.ts'
import type { Config } from '../../src/config/schema.ts'
import type { Clock, Sleep } from '../../src/domain/clock.ts'
import { silentLogger } from '../../src/domain/logger.ts'
import { noopMetrics } from '../../src/domain/metrics.ts'
import { connect, type Connection } from '../../src/openstack/connection.ts'
import type { RequestEvent } from '../../src/openstack/core/request.ts'
import { createManualClock, startSimulator, type ManualClock, type Simulator, type SimulatorOptions } from '../../src/simulator/index.ts'

/** A fixed start instant for simulated scenarios: Tuesday 2026-03-10 12:00 UTC. */
export const SIM_START = Date.parse('2026-03-10T12:00:00Z')

export interface SimHarness {
  readonly sim: Simulator
  readonly clock: ManualClock
  /** Our client's connections, closed by `close()`. */
  readonly conns: Connection[]
  close(): Promise<void>
}

/** Starts a simulator on 127.0.0.1:0 with a ManualClock (transitions settle at the next request by default). */
export async function startSimHarness(opts: Omit<SimulatorOptions, 'clock' | 'port'> & { startMs?: number } = {}): Promise<SimHarness> {
  const clock = createManualClock(opts.startMs ?? SIM_START)
  const sim = await startSimulator({ seed: 11, transitionMs: 0, ...opts, clock, port: 0 })
  const conns: Connection[] = []
  return {
    sim,
    clock,
    conns,
    async close() {
      for (const c of conns.splice(0)) await c.close()
      await sim.close()
    },
  }
}

export interface SimClient {
  readonly cloud: OpenStackCloud
  readonly conn: Connection
  /** Every request this client sent, in order. */
  readonly requests: RequestEvent[]
}

/** Connects our real client as a simulator user (`admin`: admin role; `demo`: member only). */
export async function connectAs(h: SimHarness, user: 'admin' | 'demo'): Promise<SimClient> {
  const requests: RequestEvent[] = []
  // Authentication retried after a fault waits on the simulator's clock, never on real timers.
  const retry = { sleep: manualTime(h.clock).sleep, random: () => 0.5 }
  const conn = await connect(simulatorCloudConfig(h.sim, user), { onRequest: (e) => requests.push(e), retry })
  h.conns.push(conn)
  return { cloud: new OpenStackCloud(conn), conn, requests }
}

/** A Config with defaults and these snapshot options (validated like a config file). */
export function testConfig(snapshots: Record<string, unknown> = {}): Config {
  const r = validateConfig({ snapshots })
  if (!r.ok) throw new Error(`test config invalid: ${JSON.stringify(r.problems)}`)
  return r.config
}

/**
 * Clock and sleep on the simulator's ManualClock: sleeping advances time, never waits. A sleep
 * yields to the event loop once before it advances: one that is woken in that turn (a poller woken
 * by a new item or by lookNow) takes no time, as it would on a real clock.
 */
export function manualTime(clock: ManualClock): { clock: Clock; sleep: Sleep } {
  return {
    clock: { now: () => new Date(clock.now()) },
    sleep: async (ms, signal) => {
      signal?.throwIfAborted()
      await new Promise<void>((resolve) => setImmediate(resolve))
      signal?.throwIfAborted()
      clock.advance(ms)
    },
  }
}

/** Deps of runSnapshotCycle for a simulator client: manual time, silent logs, no metrics. */
export function cycleDeps(h: SimHarness, client: SimClient, config: Config = testConfig()): CycleDeps {
  return { cloud: client.cloud, ...manualTime(h.clock), random: () => 0.5, logger: silentLogger, metrics: noopMetrics, config }
}

/** Route keys as the simulator counts them. */
export const ROUTES = {
  listVolumes: 'GET /volume/v3/{project_id}/volumes/detail',
  listSnapshots: 'GET /volume/v3/{project_id}/snapshots/detail',
  createSnapshot: 'POST /volume/v3/{project_id}/snapshots',
  deleteSnapshot: 'DELETE /volume/v3/{project_id}/snapshots/{snapshot_id}',
  snapshotAction: 'POST /volume/v3/{project_id}/snapshots/{snapshot_id}/action',
} as const

/** How often the simulator saw a route (0 when never). */
export function callsOf(sim: Simulator, route: string): number {
  return sim.calls()[route] ?? 0
}

/**
 * Requests of one client that are full listings: a GET of a `…/detail` collection without a
 * per-volume filter and without a metadata filter (a run's window rounds: `windowListings`).
 */
export function listingRequests(requests: readonly RequestEvent[], collection: 'volumes' | 'snapshots'): RequestEvent[] {
  return requests.filter((r) => {
    if (r.method !== 'GET') return false
    const u = new URL(r.url)
    return u.pathname.endsWith(`/${collection}/detail`) && !u.searchParams.has('volume_id') && !u.searchParams.has('metadata')
  })
}

/** A run's window listings (its listing rounds): `snapshots/detail?metadata={"x-snapwarden-window": …}`, every page. */
export function windowListings(requests: readonly RequestEvent[]): RequestEvent[] {
  return requests.filter((r) => {
    if (r.method !== 'GET') return false
    const u = new URL(r.url)
    return u.pathname.endsWith('/snapshots/detail') && (u.searchParams.get('metadata') ?? '').includes(SNAPSHOT_WINDOW_KEY)
  })
}

export const SNAPSHOT_WINDOW_KEY = 'x-snapwarden-window'

/** The simulator's snapshots of a volume that are not being deleted, after settling due transitions. */
export function liveSnapshotsOf(sim: Simulator, volumeId: string): { id: string; status: string; metadata: Record<string, string> }[] {
  sim.state.settle()
  return sim.state.snapshots
    .list()
    .filter((s) => s.volumeId === volumeId && s.status !== 'deleting')
    .map((s) => ({ id: s.id, status: s.status, metadata: { ...s.metadata } }))
}
