/** `simulator`: runs the built-in OpenStack simulator as a server (demos, benchmarks, manual tests). */
import { UserError } from '../../domain/errors.ts'
import { runSimulatorServer } from '../../simulator/index.ts'
import { defineCommand } from '../command.ts'
import { EXIT } from '../exit-codes.ts'

interface Options {
  readonly port: number
  readonly host: string
  readonly seed: number
  readonly settleMs: number
}

export const simulatorCommand = defineCommand<Options>({
  name: 'simulator',
  summary: 'serve the built-in Keystone/Cinder/Nova simulator (seeded) until interrupted',
  configure: (cmd) =>
    cmd
      .option('--port <n>', 'port (0 = any free port)', '5000')
      .option('--host <addr>', 'bind address', '127.0.0.1')
      .option('--seed <n>', 'seed of the generated data and faults', '1')
      .option('--settle-ms <ms>', 'how long a snapshot, backup or volume stays creating/deleting (0 = done by the next request)', '0'),
  parseOptions(raw) {
    const port = Number(raw.port)
    const seed = Number(raw.seed)
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError(`--port "${String(raw.port)}": accepted: 0–65535`)
    if (!Number.isInteger(seed)) throw new UserError(`--seed "${String(raw.seed)}": accepted: an integer`)
    const settleMs = Number(raw.settleMs)
    if (!Number.isInteger(settleMs) || settleMs < 0) throw new UserError(`--settle-ms "${String(raw.settleMs)}": accepted: an integer ≥ 0 (milliseconds)`)
    return { port, seed, host: String(raw.host), settleMs }
  },
  async run(opts) {
    await runSimulatorServer({ port: opts.port, seed: opts.seed, host: opts.host, transitionMs: opts.settleMs })
    return EXIT.ok
  },
})
