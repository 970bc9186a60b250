/** The composition root: parses argv, builds concrete objects, runs one command, maps errors to exit codes. */
import { Command, Option } from 'commander'
import { AppError, UserError } from '../domain/errors.ts'
import { commandsToLoad, loadCommands, optionsTakingValue } from './commands/registry.ts'
import type { CliCommand } from './command.ts'
import { buildDeps, type GlobalOptions } from './deps.ts'
import { EXIT } from './exit-codes.ts'
import { VERSION } from './version.ts'

/** The program with its global options, before any command is attached. */
export function buildProgram(): Command {
  return new Command('snapwarden')
    .description('Keeps OpenStack block storage protected: Cinder snapshots and backups by policy.')
    .version(VERSION, '-V, --version')
    .addOption(new Option('--os-cloud <name>', 'clouds.yaml entry to use').env('OS_CLOUD'))
    // SnapSentry's spelling, so its scripts keep working.
    .addOption(new Option('--cloud <name>', 'alias of --os-cloud (SnapSentry)').hideHelp())
    .option('--simulator', 'act on the built-in demo simulator (seeded, in memory) instead of a cloud', false)
    .option('-c, --config <file>', 'configuration file (default: ./snapwarden.yaml, ~/.config/snapwarden/config.yaml, /etc/snapwarden/config.yaml)')
    .option('--log-level <level>', 'debug, info, warn or error (default: error; daemon: info)')
    .option('--debug', 'print stack traces of unexpected errors', false)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
}

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let exitCode: number = EXIT.ok
  const program = buildProgram()
  // Only the command being run is loaded (commands/registry.ts): its dependencies, not every command's.
  const toLoad = commandsToLoad(argv.slice(2), optionsTakingValue(program))
  for (const command of await loadCommands(toLoad)) attach(program, command, (code) => (exitCode = code), env)

  try {
    await program.parseAsync([...argv])
    return exitCode
  } catch (err) {
    return reportError(err, program.opts().debug === true)
  }
}

function attach(program: Command, command: CliCommand<unknown>, setExit: (code: number) => void, env: NodeJS.ProcessEnv): void {
  const path = command.name.split(' ')
  let parent = program
  for (const part of path.slice(0, -1)) {
    parent = parent.commands.find((c) => c.name() === part) ?? parent.command(part).description(`${part} commands`)
  }
  const cmd = parent.command(path.at(-1) as string).description(command.summary)
  command.configure?.(cmd)
  cmd.action(async (...args: unknown[]) => {
    const self = args.at(-1) as Command
    const raw = self.opts()
    const globals = globalOptions(program)
    const opts = command.parseOptions(raw, self.args)
    const deps = buildDeps(globals, env, command.name)
    try {
      // A configuration file named by --config or SNAPWARDEN_CONFIG must exist, whatever the command.
      if (globals.config !== undefined || env.SNAPWARDEN_CONFIG) deps.config()
      setExit(await command.run(opts, deps))
    } finally {
      await deps.close()
    }
  })
}

/** The global options as given; which spelling named the cloud is kept for messages. */
function globalOptions(program: Command): GlobalOptions {
  const { cloud, osCloud, ...given } = program.opts() as GlobalOptions & { cloud?: string }
  const osCloudFrom = program.getOptionValueSource('osCloud')
  // An explicit --os-cloud wins over --cloud, which wins over OS_CLOUD.
  let named: { osCloud: string; osCloudSource: string } | undefined
  if (osCloud !== undefined && osCloudFrom === 'cli') named = { osCloud, osCloudSource: '--os-cloud' }
  else if (cloud !== undefined) named = { osCloud: cloud, osCloudSource: '--cloud' }
  // OS_CLOUD is the environment's default; an explicit --simulator overrides it.
  else if (osCloud !== undefined && given.simulator !== true) named = { osCloud, osCloudSource: 'OS_CLOUD' }
  return { ...given, ...named }
}

function reportError(err: unknown, debug: boolean): number {
  const e = err as { code?: string; exitCode?: number; message?: string }
  if (typeof e.code === 'string' && e.code.startsWith('commander.')) {
    // commander printed help/version/usage itself
    return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0 ? EXIT.ok : EXIT.usage
  }
  const userCodes = new Set(['OS_CONFIG', 'CONFIG_INVALID', 'CONFIG_NOT_FOUND', 'CLI_USAGE'])
  if (err instanceof UserError || (typeof e.code === 'string' && userCodes.has(e.code))) {
    process.stderr.write(`snapwarden: ${e.message ?? String(err)}\n`)
    return EXIT.usage
  }
  const code = err instanceof AppError ? err.code : typeof e.code === 'string' ? e.code : 'INTERNAL'
  process.stderr.write(`snapwarden: error [${code}]: ${e.message ?? String(err)}\n`)
  if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`)
  return EXIT.internal
}
