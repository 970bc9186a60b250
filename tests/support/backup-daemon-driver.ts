/**
 * One backup daemon as a child process, for the several-daemons campaign
 * (tests/campaigns/several-daemons.test.ts). It builds the daemon's backup job
 * (src/daemon/backup-jobs.ts) on the real client and a real store, exactly as `daemon --backups`
 * does, but the parent decides when the job runs: instead of the job scheduler's timer, each
 * `tick` message runs the job once at the virtual instant it names (the daemon's period is at least
 * 10 s of real time, too slow for 30 cycles in CI).
 *
 * Started with `fork(thisFile, { execArgv: ['--import', 'tsx'] })` and DRIVER_SETUP (JSON) in the
 * environment: { cloud: clouds.yaml-style entry, storeUrl, conductor: config `conductor:` options,
 * allProjects }.
 *
 * Messages: parent → child `{ type: 'tick', id, at }`, `{ type: 'stop' }`; child → parent
 * `{ type: 'ready', pid }`, `{ type: 'create' | 'answered', volumeId }` around each backup create,
 * `{ type: 'done', id, outcome, error? }` after each job run.
 */
import { OpenStackCloud } from '../../src/cloud/openstack-cloud.ts'
import { validateConfig } from '../../src/config/validate.ts'
import { backupJobs } from '../../src/daemon/backup-jobs.ts'
import type { StorePorts } from '../../src/daemon/daemon-ports.ts'
import { silentLogger } from '../../src/domain/logger.ts'
import { noopMetrics } from '../../src/domain/metrics.ts'
import { connect, type Connection } from '../../src/openstack/connection.ts'
import { parseCloud } from '../../src/openstack/config/parse-cloud.ts'
import { openStore } from '../../src/store/index.ts'

interface Setup {
  readonly cloud: Record<string, unknown>
  readonly storeUrl: string
  readonly conductor: Record<string, unknown>
  readonly allProjects: boolean
}

type Tick = { readonly type: 'tick'; readonly id: number; readonly at: number }

const send = (msg: unknown): void => {
  process.send?.(msg)
}

async function main(): Promise<void> {
  const setup = JSON.parse(process.env['DRIVER_SETUP'] ?? '') as Setup
  const parsed = validateConfig({ conductor: setup.conductor })
  if (!parsed.ok) throw new Error(`driver config invalid: ${JSON.stringify(parsed.problems)}`)
  const config = parsed.config
  // The daemon's clock: set to the tick's instant, advanced by its own sleeps (polling, backoff).
  let now = 0
  const clock = { now: () => new Date(now) }
  const cloudConfig = parseCloud(setup.cloud, { name: 'campaign', source: 'several-daemons campaign', keyName: (k) => k })
  const conns: Connection[] = []
  const conn = await connect(cloudConfig, { clock })
  conns.push(conn)
  const real = new OpenStackCloud(conn, async (projectId) => {
    const scoped = await connect(cloudConfig.withProjectScope(projectId), { clock })
    conns.push(scoped)
    return scoped
  })
  // Tells the parent when a backup create is sent and when its answer came (or failed): so it can
  // see which daemon has creates in flight. Everything else goes to the real adapter.
  const cloud = new Proxy(real, {
    get(target, prop, receiver) {
      if (prop === 'createBackup') {
        return async (...args: Parameters<OpenStackCloud['createBackup']>) => {
          send({ type: 'create', volumeId: args[0].volumeId })
          try {
            return await target.createBackup(...args)
          } finally {
            send({ type: 'answered', volumeId: args[0].volumeId })
          }
        }
      }
      const value: unknown = Reflect.get(target, prop, receiver)
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value
    },
  })
  const store = openStore({ url: setup.storeUrl })
  const ports: StorePorts = {
    clock,
    sleep: async (ms, signal) => {
      signal?.throwIfAborted()
      now += ms
      // Let the other workers of this daemon run between polls.
      await new Promise<void>((r) => setImmediate(r))
    },
    random: Math.random,
    logger: silentLogger,
    metrics: noopMetrics,
    config,
    openCloud: async () => cloud,
    notify: async () => {},
    store,
  }
  const job = backupJobs(ports, setup.allProjects).find((j) => j.name === 'backup')
  if (job === undefined) throw new Error('the daemon has no backup job')

  let queue = Promise.resolve()
  process.on('message', (msg: Tick | { type: 'stop' }) => {
    if (msg.type === 'stop') {
      queue = queue.then(async () => {
        await store.close()
        for (const c of conns) await c.close()
        process.disconnect()
      })
      return
    }
    queue = queue.then(async () => {
      now = Math.max(now, msg.at)
      try {
        const outcome = await job.run(new AbortController().signal)
        send({ type: 'done', id: msg.id, outcome })
      } catch (err) {
        const e = err as { code?: unknown; message?: unknown }
        send({ type: 'done', id: msg.id, outcome: 'threw', error: { code: String(e.code ?? 'INTERNAL'), message: String(e.message ?? err) } })
      }
    })
  })
  send({ type: 'ready', pid: process.pid })
}

main().catch((err: unknown) => {
  process.stderr.write(`backup-daemon-driver: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
  process.exit(1)
})
