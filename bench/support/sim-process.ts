/** Starts the simulator with a seeded scenario in a child process and talks to it over IPC. */
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { CloudConfig } from '../../src/openstack/config/index.ts'
import { parseCloud } from '../../src/openstack/config/parse-cloud.ts'
import type { Scenario, ScenarioFacts } from './scenarios.ts'

export interface SimProcessStart {
  readonly scenario: Scenario
  readonly latencyMs: number
  readonly pageSize: number
}

export type SimProcessRequest = { readonly type: 'status'; readonly id: number } | { readonly type: 'close' }

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

export interface SimProcess {
  /** The admin user's cloud config (password auth, scoped to the admin project). */
  readonly cloudConfig: CloudConfig
  readonly facts: ScenarioFacts
  status(): Promise<SimStatus>
  close(): Promise<void>
}

const CHILD = fileURLToPath(new URL('./sim-child.ts', import.meta.url))
/** Seeding 10k volumes takes about a second; a child silent for this long is broken. */
const READY_TIMEOUT_MS = 120_000

export async function startSimProcess(start: SimProcessStart): Promise<SimProcess> {
  const child = fork(CHILD, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_SIM_START: JSON.stringify(start) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  let nextId = 1
  const waiting = new Map<number, { resolve: (s: SimStatus) => void; reject: (e: Error) => void }>()
  let exited = false
  const ready = new Promise<Extract<SimProcessReply, { type: 'ready' }>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('simulator process did not get ready in time')), READY_TIMEOUT_MS)
    child.on('message', (raw) => {
      const msg = raw as SimProcessReply
      if (msg.type === 'ready') {
        clearTimeout(timer)
        resolve(msg)
      } else {
        waiting.get(msg.id)?.resolve(msg)
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
  return {
    cloudConfig: parseCloud(msg.cloud, { name: 'bench-simulator-admin', source: 'bench simulator', keyName: (k) => k }),
    facts: msg.facts,
    status: () =>
      new Promise<SimStatus>((resolve, reject) => {
        if (exited) return reject(new Error('simulator process is gone'))
        const id = nextId++
        waiting.set(id, { resolve, reject })
        child.send({ type: 'status', id } satisfies SimProcessRequest)
      }),
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
