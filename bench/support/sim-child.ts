/**
 * The simulator in its own process (forked by sim-process.ts), so the client's wall time, CPU and
 * RSS are measured without the simulator sharing its event loop and heap. Exits when the parent
 * disconnects.
 */
import { startSimulator, type Simulator } from '../../src/simulator/index.ts'
import { seedScenario, type Scenario } from './scenarios.ts'
import { verifyArtefacts } from './verify-work.ts'
import type { SimProcessReply, SimProcessRequest, SimProcessStart } from './sim-process.ts'

const send = (msg: SimProcessReply): void => {
  process.send?.(msg)
}

async function main(): Promise<void> {
  const start = JSON.parse(process.env['BENCH_SIM_START'] ?? 'null') as SimProcessStart | null
  if (start === null || process.send === undefined) throw new Error('sim-child must be forked by sim-process.ts')
  const sim = await startSimulator({ seed: start.scenario.seed, port: 0, latencyMs: start.latencyMs, latencyJitterMs: start.latencyJitterMs, realLatency: true, latencyIncludesWork: true, pageSize: start.pageSize, transitionMs: start.settleMs })
  const facts = seedScenario(sim, start.scenario as Scenario)
  await warmUp(sim)
  const shutdown = async (): Promise<void> => {
    await sim.close()
    process.exit(0)
  }
  process.on('disconnect', () => void shutdown())
  process.on('message', (raw) => {
    const req = raw as SimProcessRequest
    if (req.type === 'close') {
      void shutdown()
      return
    }
    if (req.type === 'verify') {
      sim.state.settle()
      send({ type: 'verified', id: req.id, ...verifyArtefacts(sim.state, req.expected) })
      return
    }
    send({
      type: 'status',
      id: req.id,
      calls: sim.calls(),
      counts: { volumes: sim.state.volumes.size, snapshots: sim.state.snapshots.size, backups: sim.state.backups.size, servers: sim.state.servers.size },
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
      cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
    })
  })
  send({ type: 'ready', cloud: sim.cloudConfig('admin'), facts })
}

/** Pages of each collection listed before the measurement, to warm the simulator up. */
const WARM_UP_ROUNDS = 3

/**
 * A real API has answered many listings before a cycle comes; a fresh simulator process builds its
 * first pages of 1,000 volumes in V8's interpreter, several times slower than warm. So before it
 * reports ready it lists the first page of volumes, servers, snapshots and backups a few times as
 * the admin (the client's process stays cold, as a CLI run is), then forgets those calls.
 */
async function warmUp(sim: Simulator): Promise<void> {
  const { auth } = sim.cloudConfig('admin')
  const scope = { project: { name: auth.project_name, domain: { name: auth.project_domain_name } } }
  const login = await fetch(`${sim.url}/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: auth.username, domain: { name: auth.user_domain_name }, password: auth.password } } }, scope } }),
  })
  const token = login.headers.get('x-subject-token') ?? ''
  const projectId = ((await login.json()) as { token: { project: { id: string } } }).token.project.id
  const pages = [
    `/volume/v3/${projectId}/volumes/detail?all_tenants=1`,
    `/volume/v3/${projectId}/snapshots/detail?all_tenants=1`,
    `/volume/v3/${projectId}/backups/detail?all_tenants=1`,
    '/compute/v2.1/servers/detail?all_tenants=1',
  ]
  for (let round = 0; round < WARM_UP_ROUNDS; round++) {
    await Promise.all(
      pages.map(async (path) => {
        const res = await fetch(`${sim.origin}${path}`, { headers: { 'x-auth-token': token, 'openstack-api-version': path.startsWith('/compute') ? 'compute latest' : 'volume latest' } })
        await res.arrayBuffer()
        if (res.status !== 200) throw new Error(`simulator warm-up: ${path} answered ${res.status}`)
      }),
    )
  }
  sim.resetCalls()
}

main().catch((err: unknown) => {
  process.stderr.write(`simulator process failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
  process.exit(1)
})
