/** Starts the simulator with a seeded scenario in a child process and talks to it over IPC. */
import { fork } from 'node:child_process'
import type { CloudConfig } from '../../src/openstack/config/index.ts'
import { parseCloud } from '../../src/openstack/config/parse-cloud.ts'
import { RUNNING_COMPILED, sibling } from './compiled-bench.ts'
import type { Scenario, ScenarioFacts } from './scenarios.ts'
import type { ExpectedArtefact, VerifyResult } from './verify-work.ts'

export interface SimProcessStart {
  readonly scenario: Scenario
  readonly latencyMs: number
  /** Each call's latency is uniform within latencyMs ± this (the simulator's latencyJitterMs). */
  readonly latencyJitterMs: number
  readonly pageSize: number
  /** The simulator's settle time (transitionMs): creating/deleting lasts this long. */
  readonly settleMs: number
}

export type SimProcessRequest =
  | { readonly type: 'status'; readonly id: number }
  | { readonly type: 'verify'; readonly id: number; readonly expected: readonly ExpectedArtefact[] }
  | { readonly type: 'close' }

export interface SimStatus {
  /** Calls per `METHOD /route/{template}`, counted by the simulator. */
  readonly calls: Readonly<Record<string, number>>
  readonly counts: { readonly volumes: number; readonly snapshots: number; readonly backups: number; readonly servers: number }
  /** The simulator process's peak RSS. */
  readonly maxRssBytes: number
  /** CPU time (user + system) the simulator process has used so far. */
  readonly cpuMs: number
}

export type SimProcessReply =
  | { readonly type: 'ready'; readonly cloud: unknown; readonly facts: ScenarioFacts }
  | ({ readonly type: 'status'; readonly id: number } & SimStatus)
  | ({ readonly type: 'verified'; readonly id: number } & VerifyResult)

export interface SimProcess {
  /** The admin user's cloud config (password auth, scoped to the admin project). */
  readonly cloudConfig: CloudConfig
  /** The same as a clouds.yaml entry (what the CLI reads). */
  readonly cloudEntry: unknown
  readonly facts: ScenarioFacts
  status(): Promise<SimStatus>
  /** Checks the planned work against the simulator's state (verify-work.ts). */
  verify(expected: readonly ExpectedArtefact[]): Promise<VerifyResult>
  close(): Promise<void>
}

/** Compiled with the bench (dist/bench) or TypeScript through tsx, as this file runs (compiled-bench.ts). */
const CHILD = sibling('./sim-child.ts', import.meta.url)
/** Seeding 10k volumes takes about a second; a child silent for this long is broken. */
const READY_TIMEOUT_MS = 120_000

export async function startSimProcess(start: SimProcessStart): Promise<SimProcess> {
  const child = fork(CHILD, [], {
    execArgv: RUNNING_COMPILED ? [] : ['--import', 'tsx'],
    env: { ...process.env, BENCH_SIM_START: JSON.stringify(start) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  let nextId = 1
  const waiting = new Map<number, { resolve: (s: never) => void; reject: (e: Error) => void }>()
  let exited = false
  const ready = new Promise<Extract<SimProcessReply, { type: 'ready' }>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('simulator process did not get ready in time')), READY_TIMEOUT_MS)
    child.on('message', (raw) => {
      const msg = raw as SimProcessReply
      if (msg.type === 'ready') {
        clearTimeout(timer)
        resolve(msg)
      } else {
        waiting.get(msg.id)?.resolve(msg as never)
        waiting.delete(msg.id)
      }
    })
    child.on('exit', (code) => {
      exited = true
      clearTimeout(timer)
      const err = new Error(`simulator process exited (code ${code ?? 'signal'})`)
      reject(err)
      for (const w of waiting.values()) w.reject(err)
      waiting.clear()
    })
  })
  let msg: Extract<SimProcessReply, { type: 'ready' }>
  try {
    msg = await ready
  } catch (err) {
    if (!exited) child.kill()
    throw err
  }
  const ask = <T,>(make: (id: number) => SimProcessRequest): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (exited) return reject(new Error('simulator process is gone'))
      const id = nextId++
      waiting.set(id, { resolve: resolve as (s: never) => void, reject })
      child.send(make(id))
    })
  return {
    cloudEntry: msg.cloud,
    cloudConfig: parseCloud(msg.cloud, { name: 'bench-simulator-admin', source: 'bench simulator', keyName: (k) => k }),
    facts: msg.facts,
    status: () => ask<SimStatus>((id) => ({ type: 'status', id })),
    verify: (expected) => ask<VerifyResult>((id) => ({ type: 'verify', id, expected })),
    close: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve()
        const kill = setTimeout(() => child.kill(), 10_000)
        child.once('exit', () => {
          clearTimeout(kill)
          resolve()
        })
        child.send({ type: 'close' } satisfies SimProcessRequest)
      }),
  }
}
