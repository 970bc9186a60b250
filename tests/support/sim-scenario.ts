/** Scenario builders on the simulator's state: volumes with policies, servers, stuck snapshots. */
import type { SimSnapshot, SimVolume, Simulator } from '../../src/simulator/index.ts'

/** SnapSentry-style daily policy at 00:00 UTC (window = the UTC day). */
export const DAILY: Readonly<Record<string, string>> = { 'x-snapsentry-daily-enabled': 'true' }

export function projectIds(sim: Simulator): { admin: string; demo: string } {
  const s = sim.seeded
  if (s === undefined) throw new Error('simulator started without the default seed')
  return { admin: s.adminProjectId, demo: s.demoProjectId }
}

/** Adds a 1 GiB available volume named `swtest-I-<name>` with this metadata. */
export function addVolume(sim: Simulator, projectId: string, name: string, metadata: Record<string, string> = { ...DAILY }): SimVolume {
  return sim.state.addVolume({ projectId, name: `swtest-I-${name}`, size: 1, metadata: { ...metadata } })
}

/** Lifts snapshot and volume quotas so scale scenarios are not limited by the defaults (10). */
export function liftQuota(sim: Simulator, projectId: string): void {
  sim.state.setQuota(projectId, { snapshots: 10_000, volumes: 10_000, gigabytes: 100_000 })
}

/** A managed daily snapshot (ours) stuck in `status` since `sinceMs` on the simulator's clock. */
export function addStuckSnapshot(sim: Simulator, volume: SimVolume, status: string, sinceMs: number): SimSnapshot {
  return sim.state.addSnapshot({
    volumeId: volume.id,
    name: `swtest-I-stuck-${status}`,
    status,
    createdAt: sinceMs,
    updatedAt: sinceMs,
    metadata: {
      'x-snapwarden-managed': 'true',
      'x-snapwarden-policy': 'daily',
      'x-snapwarden-window': `daily/${new Date(sinceMs).toISOString().slice(0, 10)}T00:00+00:00[UTC]`,
    },
  })
}

/** Resolves once `parties` callers have arrived; used as the simulator's latency `sleep` to hold requests together. */
export function barrier(parties: number): { arrive: () => Promise<void>; readonly arrived: number } {
  let arrived = 0
  let release: () => void = () => {}
  const all = new Promise<void>((r) => (release = r))
  return {
    arrive() {
      arrived += 1
      if (arrived >= parties) release()
      return all
    },
    get arrived() {
      return arrived
    },
  }
}
