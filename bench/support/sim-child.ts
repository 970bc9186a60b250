/**
 * The simulator in its own process (forked by sim-process.ts), so the client's wall time, CPU and
 * RSS are measured without the simulator sharing its event loop and heap. Exits when the parent
 * disconnects.
 */
import { startSimulator } from '../../src/simulator/index.ts'
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

main().catch((err: unknown) => {
  process.stderr.write(`simulator process failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
  process.exit(1)
})
