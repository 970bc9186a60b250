/**
 * The CLI's commands, each loaded when needed: main.ts loads the module of the command being run
 * (every module only for help, a missing or unknown command), so a command does not pay for the
 * others' dependencies (the store's database drivers, the API server, SMTP, the simulator): start-up
 * time and memory (issue 9). Same names in the same order as COMMANDS (index.ts, which loads every
 * module; tests and docs read it); a test checks that they agree.
 */
import type { Command } from 'commander'
import type { CliCommand } from '../command.ts'

export interface LazyCommand {
  /** Space-separated path, as CliCommand.name. */
  readonly name: string
  load(): Promise<CliCommand<unknown>>
}

const cycles = (): Promise<typeof import('./snapshot-cycle-commands.ts')> => import('./snapshot-cycle-commands.ts')
const backup = (): Promise<typeof import('./backup.ts')> => import('./backup.ts')
const db = (): Promise<typeof import('./db.ts')> => import('./db.ts')
const subscribe = (): Promise<typeof import('./subscribe.ts')> => import('./subscribe.ts')
const lazy = <O,>(name: string, load: () => Promise<CliCommand<O>>): LazyCommand => ({ name, load: load as () => Promise<CliCommand<unknown>> })

/** In the order `--help` lists them (index.ts's COMMANDS). */
export const COMMAND_TABLE: readonly LazyCommand[] = [
  lazy('inventory', async () => (await import('./inventory.ts')).inventoryCommand),
  lazy('run', async () => (await cycles()).runCommand),
  lazy('plan', async () => (await cycles()).planCommand),
  lazy('create-snapshots', async () => (await cycles()).createSnapshotsCommand),
  lazy('expire-snapshots', async () => (await cycles()).expireSnapshotsCommand),
  lazy('policies', async () => (await import('./policies.ts')).policiesCommand),
  lazy('subscribe', async () => (await subscribe()).subscribeCommand),
  lazy('unsubscribe', async () => (await subscribe()).unsubscribeCommand),
  lazy('metadefs', async () => (await import('./metadefs.ts')).metadefsCommand),
  lazy('backup run', async () => (await backup()).backupRunCommand),
  lazy('backup expire', async () => (await backup()).backupExpireCommand),
  lazy('backup list', async () => (await backup()).backupListCommand),
  lazy('backup plan', async () => (await backup()).backupPlanCommand),
  lazy('report', async () => (await import('./report.ts')).reportCommand),
  lazy('daemon', async () => (await import('./daemon.ts')).daemonCommand),
  lazy('api', async () => (await import('./api.ts')).apiCommand),
  lazy('db migrate', async () => (await db()).dbMigrateCommand),
  lazy('db status', async () => (await db()).dbStatusCommand),
  lazy('adopt staffeln', async () => (await import('./adopt.ts')).adoptStaffelnCommand),
  lazy('simulator', async () => (await import('./simulator.ts')).simulatorCommand),
]

/** The flags of a program's own options that take a value (`--config <file>`: `-c`, `--config`), read from commander. */
export function optionsTakingValue(program: Pick<Command, 'options'>): ReadonlySet<string> {
  return new Set(program.options.filter((o) => o.required || o.optional).flatMap((o) => [o.short, o.long].filter((f): f is string => f !== undefined)))
}

/**
 * The commands to load for these arguments (argv without node and the script): those under the
 * first word that is neither an option nor the value of a global option in `globalsWithValue` (`backup` → the four backup
 * commands); none for `--version` alone (commander answers it before any command); all of them when
 * there is no command word otherwise (help, a usage error) or it names no command (`help`, a
 * misspelling, which commander answers with the list and suggestions).
 */
export function commandsToLoad(args: readonly string[], globalsWithValue: ReadonlySet<string>): readonly LazyCommand[] {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (arg === '--') break
    if ((arg === '-V' || arg === '--version') && !args.some((a) => a === '-h' || a === '--help')) return NO_COMMANDS
    if (arg.startsWith('-')) {
      if (globalsWithValue.has(arg)) i++ // `--config=x` and `-cx` carry their value
      continue
    }
    const picked = COMMAND_TABLE.filter((c) => c.name.split(' ')[0] === arg)
    return picked.length > 0 ? picked : COMMAND_TABLE
  }
  return COMMAND_TABLE
}

const NO_COMMANDS: readonly LazyCommand[] = Object.freeze([])

/** Loads the commands, in table order. */
export async function loadCommands(table: readonly LazyCommand[]): Promise<CliCommand<unknown>[]> {
  return Promise.all(table.map((c) => c.load()))
}
