/**
 * The backup conductor against the in-process simulator: our real client and adapter, a real
 * SQLite store (a temp file, so a second connection can open it), and the simulator's ManualClock
 * as the only time (the cycle's clock, the executor's clock, and `sleep`, which advances it).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { runBackupCycle } from '../../src/cycles/backup-cycle.ts'
import type { BackupCycleDeps } from '../../src/cycles/backup-inventory.ts'
import type { CycleConfig } from '../../src/domain/cycle-config.ts'
import type { Config } from '../../src/config/schema.ts'
import { validateConfig } from '../../src/config/validate.ts'
import type { Cloud, CreateBackupRequest } from '../../src/domain/ports.ts'
import { silentLogger, type Logger } from '../../src/domain/logger.ts'
import { noopMetrics } from '../../src/domain/metrics.ts'
import type { BackupTask, Store } from '../../src/domain/store-port.ts'
import type { RequestEvent } from '../../src/openstack/core/request.ts'
import type { SimBackup, SimServer, SimVolume, Simulator } from '../../src/simulator/index.ts'
import { openStore } from '../../src/store/index.ts'
import { OpenStackCloud, projectScopedConnector } from '../../src/cloud/openstack-cloud.ts'
import { simulatorCloudConfig } from '../../src/cli/demo-simulator.ts'
import { connect } from '../../src/openstack/connection.ts'
import { connectAs, manualTime, startSimHarness, type SimClient, type SimHarness } from './sim-cloud.ts'
import { projectIds } from './sim-scenario.ts'

/** Route keys as the simulator counts them. */
export const BACKUP_ROUTES = {
  create: 'POST /volume/v3/{project_id}/backups',
  remove: 'DELETE /volume/v3/{project_id}/backups/{backup_id}',
  action: 'POST /volume/v3/{project_id}/backups/{backup_id}/action',
  get: 'GET /volume/v3/{project_id}/backups/{backup_id}',
  list: 'GET /volume/v3/{project_id}/backups/detail',
} as const

export const MINUTE = 60_000
export const HOUR = 3_600_000

export interface BackupHarness {
  readonly h: SimHarness
  readonly sim: Simulator
  /** The admin client (the cycle's scope is the admin project, which the default seed leaves without servers). */
  readonly client: SimClient
  readonly projectId: string
  /** The store on the temp SQLite file, migrated. */
  readonly store: Store
  /** `sqlite:<temp file>`: open it again for a second worker. */
  readonly storeUrl: string
  /** Deps of runBackupCycle on manual time; `over` replaces any of them. */
  deps(config?: CycleConfig, over?: Partial<BackupCycleDeps>): BackupCycleDeps
  /** Another store connection on the same file (closed by close()). */
  openSecondStore(): Promise<Store>
  close(): Promise<void>
}

export async function startBackupHarness(opts: Parameters<typeof startSimHarness>[0] = {}): Promise<BackupHarness> {
  const h = await startSimHarness(opts)
  const dir = mkdtempSync(join(tmpdir(), 'swtest-J-'))
  const storeUrl = `sqlite:${join(dir, 'snapwarden.db')}`
  const stores: Store[] = []
  const open = async (): Promise<Store> => {
    const s = openStore({ url: storeUrl })
    stores.push(s)
    await s.migrate()
    return s
  }
  try {
    const store = await open()
    const client = await connectAs(h, 'admin')
    return {
      h,
      sim: h.sim,
      client,
      projectId: projectIds(h.sim).admin,
      store,
      storeUrl,
      deps: (config = backupConfig(), over = {}) => ({
        cloud: client.cloud,
        store,
        ...manualTime(h.clock),
        random: () => 0.5,
        logger: silentLogger,
        metrics: noopMetrics,
        config,
        ...over,
      }),
      openSecondStore: open,
      async close() {
        for (const s of stores.splice(0)) await s.close()
        await h.close()
        rmSync(dir, { recursive: true, force: true })
      },
    }
  } catch (err) {
    for (const s of stores) await s.close()
    await h.close()
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
}

/** A Config with defaults and these `conductor:` options (validated like a config file). */
export function backupConfig(conductor: Record<string, unknown> = {}): Config {
  const r = validateConfig({ conductor })
  if (!r.ok) throw new Error(`test config invalid: ${JSON.stringify(r.problems)}`)
  return r.config
}

/**
 * A server `swtest-J-<name>` tagged for Staffeln (`__staffeln_backup=true` plus `metadata`) with
 * `volumes` attached 1 GiB volumes.
 */
export function addProtectedServer(
  sim: Simulator,
  projectId: string,
  name: string,
  opts: { metadata?: Record<string, string>; volumes?: number } = {},
): { server: SimServer; volumes: SimVolume[] } {
  const server = sim.state.addServer({ projectId, name: `swtest-J-${name}`, metadata: { __staffeln_backup: 'true', ...opts.metadata } })
  const volumes: SimVolume[] = []
  for (let i = 0; i < (opts.volumes ?? 1); i++) {
    const v = sim.state.addVolume({ projectId, name: `swtest-J-${name}-v${i}`, size: 1 })
    sim.state.attach(server.id, v.id)
    volumes.push(v)
  }
  return { server, volumes }
}

/** The simulator's backups of a volume, oldest first, after settling due transitions. */
export function simBackupsOf(sim: Simulator, volumeId: string): SimBackup[] {
  sim.state.settle()
  return sim.state.backups
    .list()
    .filter((b) => b.volumeId === volumeId)
    .sort((a, b) => a.createdAt - b.createdAt)
}

/** Ids of the backups this client asked to DELETE, in request order. */
export function backupDeletes(requests: readonly RequestEvent[]): string[] {
  return requests
    .filter((r) => r.method === 'DELETE')
    .map((r) => /\/backups\/([^/?]+)$/.exec(new URL(r.url).pathname)?.[1])
    .filter((id): id is string => id !== undefined)
}

/** How often the simulator saw a route (0 when never). */
export function callsOf(sim: Simulator, route: string): number {
  return sim.calls()[route] ?? 0
}

/** A Cloud whose createBackup runs (and awaits) `hook` first (to make a race happen between planning and sending). */
export function beforeCreateBackup(cloud: Cloud, hook: (req: CreateBackupRequest) => void | Promise<void>): Cloud {
  return new Proxy(cloud, {
    get(target, prop, receiver) {
      if (prop === 'createBackup') {
        return async (req: CreateBackupRequest, signal?: AbortSignal) => {
          await hook(req)
          return target.createBackup(req, signal)
        }
      }
      const value: unknown = Reflect.get(target, prop, receiver)
      // The adapter keeps private fields: its methods must run on the real object.
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value
    },
  })
}

/** A logger that keeps warn messages (to see that a problem was reported). */
export function recordingLogger(): Logger & { readonly warnings: { obj: Record<string, unknown>; msg?: string | undefined }[] } {
  const warnings: { obj: Record<string, unknown>; msg?: string | undefined }[] = []
  const logger = {
    warnings,
    debug() {},
    info() {},
    warn(obj: Record<string, unknown>, msg?: string) {
      warnings.push({ obj, msg })
    },
    error() {},
    child() {
      return logger
    },
  }
  return logger
}

/**
 * What the planner records before any worker runs: plans one cycle (changing nothing) and inserts its
 * tasks as `planned` rows, the way runBackupCycle does, without executing them.
 */
export async function recordPlannedTasks(deps: BackupCycleDeps, opts: { allProjects?: boolean } = {}): Promise<BackupTask[]> {
  const report = await runBackupCycle(deps, { allProjects: opts.allProjects ?? false, planOnly: true })
  const byVolume = new Map(report.discovery.targets.map((t) => [t.volume.id, t]))
  const cycleId = randomUUID()
  const { inserted } = await deps.store.planTasks(
    report.plan.tasks.map((t) => ({
      cycleId,
      projectId: t.projectId,
      serverId: t.serverId,
      serverName: byVolume.get(t.volumeId)?.server.name ?? t.serverId,
      volumeId: t.volumeId,
      volumeName: byVolume.get(t.volumeId)?.volume.name ?? '',
      kind: t.kind,
      plannedAt: report.now,
    })),
  )
  return [...inserted]
}

/**
 * The admin as `--all-projects` runs it: creates go through a token scoped to the volume's project
 * (as cli/open-cloud.ts wires it). `roleIn` first grants the admin user `member` there (Staffeln's
 * set-up); without it the scoped token is refused and creates fall back to the admin project.
 */
export async function scopedAdminCloud(h: SimHarness, opts: { roleIn?: string } = {}): Promise<OpenStackCloud> {
  if (opts.roleIn !== undefined) {
    const admin = [...h.sim.state.identity.users.values()].find((u) => u.name === 'admin')
    if (!admin) throw new Error('the simulator has no admin user')
    h.sim.state.identity.grant(admin.id, opts.roleIn, 'member')
  }
  const config = simulatorCloudConfig(h.sim, 'admin')
  const conn = await connect(config)
  h.conns.push(conn)
  return new OpenStackCloud(conn, projectScopedConnector(conn))
}
