/**
 * `adopt staffeln`: takes over the backups a Staffeln installation made. Its database is read
 * read-only; every `backup_data` row becomes a backup the store tracks (protected by the protection
 * API, expired by retention); unfinished `queue_data` tasks are reported, never re-created.
 * Re-running adds nothing twice. `--dry-run` reads both databases and writes nothing.
 */
import { existsSync } from 'node:fs'
import { UserError } from '../../domain/errors.ts'
import type { Store, TrackedBackup } from '../../domain/store-port.ts'
import { planStaffelnAdoption, staffelnBackupId, type StaffelnAdoptionPlan } from '../../planner/staffeln-adoption.ts'
import { openStore, parseStoreUrl, redactUrl } from '../../store/index.ts'
import { readStaffelnDatabase } from '../../store/staffeln/staffeln-reader.ts'
import { defineCommand } from '../command.ts'
import type { CliDeps } from '../deps.ts'
import { EXIT } from '../exit-codes.ts'
import { openMigratedStore, storeUrl } from '../open-store.ts'
import { table } from '../output.ts'
import { staffelnConnectionFromConf } from '../staffeln-conf.ts'

interface Options {
  /** Where the Staffeln URL came from, for messages: `--from` or `--staffeln-conf <file>`. */
  readonly source: { readonly from: string } | { readonly conf: string }
  readonly db?: string
  readonly dryRun: boolean
  readonly json: boolean
}

export const adoptStaffelnCommand = defineCommand<Options>({
  name: 'adopt staffeln',
  summary: "track the backups a Staffeln installation made (read-only on Staffeln's database; safe to re-run)",
  configure: (cmd) =>
    cmd
      .option('--from <url>', "Staffeln's database URL as in staffeln.conf [database] connection: mysql+pymysql://user:pass@host:port/staffeln, mysql://…, sqlite:///path")
      .option('--staffeln-conf <file>', 'read the URL from this staffeln.conf ([database] connection), so no password is on the command line')
      .option('--db <url>', 'store URL (default SNAPWARDEN_DB, config database.url, SQLite in the state directory)')
      .option('--dry-run', 'show what would be adopted; write nothing', false)
      .option('--json', 'print JSON', false),
  parseOptions(raw) {
    const from = typeof raw.from === 'string' ? raw.from : undefined
    const conf = typeof raw.staffelnConf === 'string' ? raw.staffelnConf : undefined
    if (from !== undefined && conf !== undefined) throw new UserError('--from and --staffeln-conf name the same thing: give one of them')
    if (from === undefined && conf === undefined) {
      throw new UserError("adopt staffeln needs Staffeln's database: --from <url> (e.g. mysql+pymysql://staffeln:…@db:3306/staffeln) or --staffeln-conf /etc/staffeln/staffeln.conf")
    }
    return {
      source: from !== undefined ? { from } : { conf: conf! },
      ...(typeof raw.db === 'string' ? { db: raw.db } : {}),
      dryRun: raw.dryRun === true,
      json: raw.json === true,
    }
  },
  async run(opts, deps) {
    const url = 'from' in opts.source ? opts.source.from : staffelnConnectionFromConf(opts.source.conf)
    const staffeln = await readStaffelnDatabase(url)
    const target = storeUrl(deps, opts.db)
    const { tracked, store } = await openTarget(deps, opts)
    const plan = planStaffelnAdoption({ read: staffeln, tracked, now: deps.clock.now() })
    let adopted: readonly TrackedBackup[] = plan.adopt
    let alreadyTracked = plan.alreadyTracked
    if (store && plan.adopt.length) {
      const inserted = new Set(await store.adoptBackups(plan.adopt))
      // Another process may have recorded some of them meanwhile: those count as already tracked.
      adopted = plan.adopt.filter((b) => inserted.has(b.backupId))
      alreadyTracked = [...plan.alreadyTracked, ...plan.adopt.filter((b) => !inserted.has(b.backupId)).map((b) => b.backupId)]
    }
    const result = {
      staffeln: staffeln.display,
      store: redactUrl(target),
      dryRun: opts.dryRun,
      backupDataRows: staffeln.backups.length,
      adopted,
      alreadyTracked,
      skipped: plan.skipped,
      undated: plan.undated,
      unfinishedTasks: plan.unfinished.map((u) => ({ ...u.row, state: u.state, action: u.action, detail: u.detail })),
      finishedTasks: staffeln.finishedTasks,
    }
    if (opts.json) deps.out.json(result)
    else printResult(deps, result, plan)
    return plan.skipped.length ? EXIT.partial : EXIT.ok
  },
})

/**
 * The ids the store has rows for, and the store to write to (none on a dry run, which never creates
 * or migrates the store).
 */
async function openTarget(deps: CliDeps, opts: Options): Promise<{ tracked: Set<string>; store?: Store }> {
  const ids = (rows: readonly TrackedBackup[]) => new Set(rows.map((b) => b.backupId))
  if (!opts.dryRun) {
    const store = await openMigratedStore(deps, opts.db)
    return { tracked: ids(await store.listBackups({ includeDeleted: true })), store }
  }
  const url = storeUrl(deps, opts.db)
  const target = (() => {
    try {
      return parseStoreUrl(url)
    } catch (err) {
      throw new UserError((err as Error).message, 'CONFIG_INVALID', { cause: err })
    }
  })()
  if (target.dialect === 'sqlite' && (target.path === ':memory:' || !existsSync(target.path))) return { tracked: new Set() }
  const store = openStore({ url })
  deps.onClose(() => store.close())
  const status = await store.status()
  return { tracked: status.applied.length ? ids(await store.listBackups({ includeDeleted: true })) : new Set() }
}

interface PrintedResult {
  readonly staffeln: string
  readonly store: string
  readonly dryRun: boolean
  readonly backupDataRows: number
  readonly adopted: readonly TrackedBackup[]
  readonly alreadyTracked: readonly string[]
  readonly finishedTasks: number
}

function printResult(deps: CliDeps, r: PrintedResult, plan: StaffelnAdoptionPlan): void {
  const out = deps.out
  const verb = r.dryRun ? 'would adopt' : 'adopted'
  out.line(`Staffeln database: ${r.staffeln} (read-only)`)
  out.line(`store: ${r.store}${r.dryRun ? ' (dry run: nothing written)' : ''}`)
  const inFlight = new Set(plan.unfinished.filter((u) => u.action === 'backup adopted').map((u) => staffelnBackupId(u.row.backupId)))
  const fromQueue = r.adopted.filter((b) => inFlight.has(b.backupId)).length
  out.line(
    `backup_data: ${r.backupDataRows} row(s); ${verb} ${r.adopted.length} backup(s)${fromQueue ? ` (${fromQueue} of them in flight in queue_data)` : ''}, already tracked ${r.alreadyTracked.length}, skipped ${plan.skipped.length}`,
  )
  if (r.adopted.length) {
    out.line(
      table(
        ['BACKUP', 'VOLUME', 'SERVER', 'PROJECT', 'KIND', 'STATUS', 'CREATED'],
        r.adopted.map((b) => [b.backupId, b.volumeId, b.serverId ?? '', b.projectId, b.kind, b.status, b.createdAt]),
      ),
    )
  }
  for (const s of plan.skipped) out.line(`skipped ${s.table} row ${s.rowId}${s.backupId ? ` (backup ${s.backupId})` : ''}: ${s.reason}`)
  for (const id of plan.undated) out.line(`backup ${id}: Staffeln's created_at is empty; recorded with the adoption time`)
  out.line(`queue_data: ${plan.unfinished.length} unfinished task(s), not re-created; ${r.finishedTasks} finished task(s), not needed`)
  if (plan.unfinished.length) {
    out.line(
      table(
        ['ROW', 'STATE', 'PROJECT', 'SERVER', 'VOLUME', 'BACKUP', 'ACTION'],
        plan.unfinished.map((u) => [
          u.row.rowId,
          u.state,
          u.row.projectId,
          named(u.row.instanceName, u.row.instanceId),
          named(u.row.volumeName, u.row.volumeId),
          staffelnBackupId(u.row.backupId) ?? '',
          r.dryRun && u.action === 'backup adopted' ? 'backup would be adopted' : u.action,
        ]),
      ),
    )
  }
}

const named = (name: string | null, id: string | null): string => (name && id && name !== id ? `${name} (${id})` : (id ?? name ?? ''))
