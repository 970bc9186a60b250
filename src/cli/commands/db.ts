/** `db migrate` and `db status`: the store's forward-only schema migrations. */
import { openStore, redactUrl } from '../../store/index.ts'
import { defineCommand } from '../command.ts'
import type { CliDeps } from '../deps.ts'
import { EXIT } from '../exit-codes.ts'
import { table } from '../output.ts'
import { storeUrl } from '../open-store.ts'

interface Options {
  readonly db?: string
  readonly json: boolean
}

const parse = (raw: Readonly<Record<string, unknown>>): Options => ({
  json: raw.json === true,
  ...(typeof raw.db === 'string' ? { db: raw.db } : {}),
})
function open(deps: CliDeps, opts: Options) {
  const url = storeUrl(deps, opts.db)
  const store = openStore({ url })
  deps.onClose(() => store.close())
  return { url, store }
}

const dbOption = '--db <url>'
/** How many runs `db status` shows. */
const LAST_RUNS = 10

/** A run's exit status as the CLI's exit codes read (docs/cli.md). */
function runStatus(exitStatus: number | undefined): string {
  if (exitStatus === undefined) return 'unfinished' // still running, or its process was killed
  if (exitStatus === 0) return 'ok'
  if (exitStatus === 3) return 'partial (3)'
  return `failed (${exitStatus})`
}

function summaryText(summary: Readonly<Record<string, unknown>>): string {
  return Object.entries(summary)
    .map(([k, v]) => `${k}=${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`)
    .join(' ')
}
const dbHelp = 'sqlite:<path>, a path, :memory: or postgres://… (default SNAPWARDEN_DB, config database.url, then SQLite in the state directory)'

export const dbMigrateCommand = defineCommand<Options>({
  name: 'db migrate',
  summary: 'apply pending schema migrations (forward only, safe to re-run)',
  configure: (cmd) => cmd.option(dbOption, dbHelp).option('--json', 'print JSON', false),
  parseOptions: parse,
  async run(opts, deps) {
    const { url, store } = open(deps, opts)
    const { applied } = await store.migrate()
    if (opts.json) deps.out.json({ store: redactUrl(url), applied })
    else deps.out.line(applied.length ? `${redactUrl(url)}: applied ${applied.join(', ')}` : `${redactUrl(url)}: up to date`)
    return EXIT.ok
  },
})

export const dbStatusCommand = defineCommand<Options>({
  name: 'db status',
  summary: 'show applied and pending migrations and the last runs',
  configure: (cmd) => cmd.option(dbOption, dbHelp).option('--json', 'print JSON', false),
  parseOptions: parse,
  async run(opts, deps) {
    const { url, store } = open(deps, opts)
    const status = await store.status()
    // The run log exists once the schema does; with migrations pending it may not.
    const runs = status.pending.length === 0 ? await store.lastRuns(LAST_RUNS) : []
    if (opts.json) deps.out.json({ store: redactUrl(url), dialect: store.dialect, ...status, lastRuns: runs })
    else {
      deps.out.line(`store: ${redactUrl(url)} (${store.dialect})`)
      deps.out.line(`current: ${status.current ?? '(empty)'}`)
      deps.out.line(`pending: ${status.pending.length ? status.pending.join(', ') : 'none'}`)
      if (status.pending.length === 0) {
        deps.out.line(runs.length ? `last runs (newest first):` : 'last runs: none recorded')
        if (runs.length) {
          deps.out.line(
            table(
              ['STARTED', 'KIND', 'STATUS', 'FINISHED', 'SUMMARY'],
              runs.map((r) => [r.startedAt.toISOString(), r.kind, runStatus(r.exitStatus), r.finishedAt?.toISOString() ?? '', summaryText(r.summary)]),
            ),
          )
        }
      }
    }
    return status.pending.length ? EXIT.partial : EXIT.ok
  },
})
