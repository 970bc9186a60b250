/**
 * The built-in demo simulator that `--simulator` acts on: the simulator's default seed plus
 * volumes tagged with snapshot policies (SnapSentry's keys and ours) and snapshots of earlier days,
 * so one `snapwarden run` shows creates, keeps and deletes with their reasons.
 */
import type { CloudConfig } from '../openstack/config/index.ts'
import { parseCloud } from '../openstack/config/parse-cloud.ts'
import { startSimulator, type Simulator, type SimulatorOptions } from '../simulator/index.ts'

export interface DemoSimulator {
  readonly sim: Simulator
  /** The demo project's member credential, as a parsed cloud config. */
  readonly cloudConfig: CloudConfig
  close(): Promise<void>
}

/** A parsed cloud config for a simulator user (tests and benchmarks use it too). */
export function simulatorCloudConfig(sim: Simulator, user: string): CloudConfig {
  return parseCloud(sim.cloudConfig(user), { name: `simulator-${user}`, source: 'built-in simulator', keyName: (k) => k })
}

export async function startDemoSimulator(opts: SimulatorOptions = {}): Promise<DemoSimulator> {
  const sim = await startSimulator({ seed: 7, ...opts })
  const state = sim.state
  const demo = sim.seeded?.demoProjectId
  if (demo) {
    const vols = state.volumes.list(demo)
    const byName = (n: string) => vols.find((v) => v.name === n)
    const day = 24 * 3600_000
    const now = state.now()
    const db = byName('demo-db-data')
    if (db) {
      Object.assign(db.metadata, {
        'x-snapsentry-managed': 'true',
        'x-snapsentry-daily-enabled': 'true',
        'x-snapsentry-daily-start-time': '02:00',
        'x-snapsentry-daily-timezone': 'Europe/Berlin',
        'x-snapsentry-daily-retention-days': '3',
      })
      for (const ago of [6, 4, 2, 1]) {
        state.addSnapshot({
          volumeId: db.id,
          name: `snapsentry-daily-${ago}d-ago`,
          createdAt: now - ago * day,
          metadata: {
            'x-snapsentry-snapshot-managed': 'true',
            'x-snapsentry-snapshot-policy-type': 'daily',
            'x-snapsentry-snapshot-retention-days': '3',
          },
        })
      }
    }
    const web = byName('demo-web-root')
    if (web) {
      Object.assign(web.metadata, {
        'x-snapwarden-express-enabled': 'true',
        'x-snapwarden-express-interval-hours': '6',
        'x-snapwarden-express-keep-count': '4',
      })
    }
    const shared = byName('demo-shared')
    if (shared) {
      Object.assign(shared.metadata, {
        'x-snapsentry-weekly-enabled': 'true',
        'x-snapsentry-weekly-start-day-of-week': 'sunday',
        'x-snapsentry-weekly-start-time': '23:00',
        'x-snapsentry-weekly-timezone': 'Europe/Berlin',
        'x-snapsentry-daily-enabled': 'true',
        'x-snapsentry-daily-start-time': '23:30',
      })
    }
  }
  return { sim, cloudConfig: simulatorCloudConfig(sim, 'demo'), close: () => sim.close() }
}
