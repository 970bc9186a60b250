import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { applyDefaultSeed, type DefaultSeed } from './default-seed.ts'
import { createPrng } from './prng.ts'
import { createPipeline } from './request-pipeline.ts'
import { seedScale, type ScaleOptions, type ScaleResult } from './seed-scale.ts'
import { isManualClock, systemSimClock, type SimClock } from './sim-clock.ts'
import { SimFaults, type FaultRule } from './sim-faults.ts'
import { SimState } from './sim-state.ts'

export interface SimulatorOptions {
  /** Seeds ids and fault decisions. Default 1. */
  readonly seed?: number
  /** 0 picks a free port. Default 0. */
  readonly port?: number
  /** Default 127.0.0.1. */
  readonly host?: string
  /** Default: the system clock. Pass a ManualClock to drive transitions and token expiry in tests. */
  readonly clock?: SimClock
  /** Added to every call. Virtual by default (see `realLatency`). */
  readonly latencyMs?: number
  /**
   * Each call's latency is drawn uniformly from latencyMs ± latencyJitterMs (whole milliseconds,
   * from the seeded generator, so a run repeats). Default 0: every call takes exactly latencyMs. A
   * real API's latency varies from call to call; an exact one makes closed-loop clients answer in
   * lockstep (benchmarks: see BENCHMARKS.md).
   */
  readonly latencyJitterMs?: number
  /** Wait latency on real timers (benchmarks). Default false: latency advances a ManualClock, else is skipped. */
  readonly realLatency?: boolean
  /** Overrides how latency is waited for. */
  readonly sleep?: (ms: number) => Promise<void>
  /**
   * The latency includes the simulator's own work (PipelineDeps.latencyIncludesWork): a request is
   * answered its latency after it arrived, not its latency plus the time to build the answer (a
   * page of 1,000 volumes takes milliseconds). Benchmarks set it; default false.
   */
  readonly latencyIncludesWork?: boolean
  /** The clock latencyIncludesWork measures a request's time with (default performance.now). */
  readonly now?: () => number
  /** Cinder osapi_max_limit / Nova max_limit. Default 1000. */
  readonly pageSize?: number
  /** Default 4 hours, as Keystone. */
  readonly tokenLifetimeMs?: number
  /**
   * The settle time: how long creating/deleting (snapshots, backups, volumes) lasts on the clock
   * before it turns available/gone. Default 0 (settled by the next request). Real snapshots take
   * seconds and backups minutes; `snapwarden simulator --settle-ms` sets it.
   */
  readonly transitionMs?: number
  /** Add the default admin/demo projects, users and a few resources. Default true. */
  readonly defaultSeed?: boolean
  readonly faults?: readonly FaultRule[]
}

export interface CloudConfig {
  readonly auth: {
    readonly auth_url: string
    readonly username: string
    readonly password: string
    readonly project_name: string
    readonly user_domain_name: string
    readonly project_domain_name: string
  }
  readonly region_name: string
}

export interface Simulator {
  /** Keystone auth_url, e.g. `http://127.0.0.1:PORT/identity/v3`. */
  readonly url: string
  /** `http://127.0.0.1:PORT` */
  readonly origin: string
  readonly port: number
  readonly state: SimState
  readonly faults: SimFaults
  readonly clock: SimClock
  /** Ids of the default seed (undefined when `defaultSeed: false`). */
  readonly seeded: DefaultSeed | undefined
  /** Call counts per `METHOD /route/{template}`. */
  calls(): Record<string, number>
  resetCalls(): void
  /** clouds.yaml-style entry for a user (by name), scoped to the user's default project. */
  cloudConfig(user: string): CloudConfig
  seedScale(opts: ScaleOptions): ScaleResult
  close(): Promise<void>
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const seed = opts.seed ?? 1
  const clock = opts.clock ?? systemSimClock
  const faults = new SimFaults(seed)
  for (const rule of opts.faults ?? []) faults.add(rule)
  const state = new SimState({
    prng: createPrng(seed),
    clock,
    faults,
    tokenLifetimeMs: opts.tokenLifetimeMs ?? 4 * 3600_000,
    transitionMs: opts.transitionMs ?? 0,
  })
  faults.setTokenExpirer(() => state.identity.expireAllTokens())
  const seeded = opts.defaultSeed === false ? undefined : applyDefaultSeed(state)
  const sleep =
    opts.sleep ??
    (opts.realLatency === true
      ? (ms: number) => new Promise<void>((r) => setTimeout(r, ms))
      : async (ms: number) => {
          if (isManualClock(clock)) clock.advance(ms)
        })
  const counts = new Map<string, number>()
  const host = opts.host ?? '127.0.0.1'
  let origin = ''
  const handle = createPipeline({
    state,
    faults,
    origin: () => origin,
    pageSize: () => opts.pageSize ?? 1000,
    latencyMs: latencyOf(opts.latencyMs ?? 0, opts.latencyJitterMs ?? 0, seed),
    sleep,
    count: (k) => counts.set(k, (counts.get(k) ?? 0) + 1),
    ...(opts.latencyIncludesWork === true && { latencyIncludesWork: true }),
    ...(opts.now && { now: opts.now }),
  })
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ computeFault: { code: 500, message: `simulator error: ${String(err)}` } }))
      } else res.destroy()
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, host, () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  const publicHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host
  origin = `http://${publicHost.includes(':') ? `[${publicHost}]` : publicHost}:${port}`
  const url = `${origin}/identity/v3`
  return {
    url,
    origin,
    port,
    state,
    faults,
    clock,
    seeded,
    calls: () => Object.fromEntries([...counts.entries()].sort(([a], [b]) => (a < b ? -1 : 1))),
    resetCalls: () => counts.clear(),
    cloudConfig: (name) => {
      const user = state.identity.findUserByName(name, 'default')
      if (user === undefined) throw new Error(`simulator has no user ${name}`)
      const project = user.defaultProjectId === null ? undefined : state.identity.projects.get(user.defaultProjectId)
      return {
        auth: {
          auth_url: url,
          username: user.name,
          password: user.password,
          project_name: project?.name ?? '',
          user_domain_name: 'Default',
          project_domain_name: 'Default',
        },
        region_name: 'RegionOne',
      }
    },
    seedScale: (o) => seedScale(state, o),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err === undefined ? resolve() : reject(err)))
        server.closeAllConnections()
      }),
  }
}

/** The latency of each call: `base` ms, or uniformly within base ± jitter (never below 0). */
function latencyOf(base: number, jitter: number, seed: number): () => number {
  if (!(jitter > 0) || !(base > 0)) return () => base
  // Its own generator: drawing latencies must not change the ids the state's generator makes.
  const prng = createPrng((seed ^ 0x5eed1a7e) >>> 0)
  const span = Math.floor(jitter)
  return () => Math.max(0, base - span + prng.int(2 * span + 1))
}
