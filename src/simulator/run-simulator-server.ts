import { DEFAULT_USERS } from './default-seed.ts'
import { startSimulator, type Simulator, type SimulatorOptions } from './start-simulator.ts'

export interface RunSimulatorOptions extends SimulatorOptions {
  readonly port: number
  readonly seed?: number
  readonly host?: string
  /** Where to print the banner. Default: process.stdout. */
  readonly log?: (line: string) => void
}

/**
 * What `snapwarden simulator --port N` calls: starts the simulator (127.0.0.1 by default,
 * real latency if asked) and prints how to reach it. Resolves with the running simulator;
 * closing is the caller's (or the process's) business.
 */
export async function runSimulatorServer(opts: RunSimulatorOptions): Promise<Simulator> {
  const sim = await startSimulator({ ...opts, host: opts.host ?? '127.0.0.1', realLatency: opts.realLatency ?? true })
  const log = opts.log ?? ((line: string) => process.stdout.write(line + '\n'))
  log(`OpenStack simulator listening on ${sim.origin}`)
  log(`auth_url: ${sim.url}`)
  if (sim.seeded !== undefined) {
    log(`users: ${DEFAULT_USERS.admin.name} (admin, project admin), ${DEFAULT_USERS.demo.name} (member, project demo)`)
    log('clouds.yaml entries: use cloudConfig(user) from the scenario API, or the documented test passwords')
  }
  return sim
}
