/** `backup run | expire | list | plan`: the backup conductor (Staffeln's job) as one-off commands. */
import type { Command } from 'commander'
import type { BackupRecord } from '../../domain/inventory.ts'
import { backupChains } from '../../planner/backup-retention.ts'
import { failedResult, runBackupCycle } from '../../cycles/backup-cycle.ts'
import type { BackupCycleDeps } from '../../cycles/backup-inventory.ts'
import { runRetentionCycle } from '../../cycles/retention-cycle.ts'
import { listAll, scopeFor } from '../../cycles/cloud-reads.ts'
import { defineCommand } from '../command.ts'
import type { CliDeps } from '../deps.ts'
import { EXIT } from '../exit-codes.ts'
import { openMigratedStore } from '../open-store.ts'
import { table } from '../output.ts'

interface Options {
  readonly json: boolean
  readonly allProjects: boolean
  readonly dryRun: boolean
  readonly db?: string
}

const options = (cmd: Command, dryRun = true) => {
  cmd
    .option('--json', 'print JSON', false)
    .option('--all-projects', 'every project (admin credential; all_tenants)', false)
    .option('--db <url>', 'store URL (default SNAPWARDEN_DB, config database.url, SQLite in the state directory)')
  if (dryRun) cmd.option('--dry-run', 'plan and print, send nothing', false)
  return cmd
}

const parse = (raw: Readonly<Record<string, unknown>>): Options => ({
  json: raw.json === true,
  allProjects: raw.allProjects === true,
  dryRun: raw.dryRun === true,
  ...(typeof raw.db === 'string' ? { db: raw.db } : {}),
})

async function cycleDeps(deps: CliDeps, opts: Options): Promise<BackupCycleDeps> {
  const { cloud } = await deps.openCloud()
  const store = await openMigratedStore(deps, opts.db)
  return { cloud, store, clock: deps.clock, sleep: deps.sleep, random: deps.random, logger: deps.logger, metrics: deps.metrics, config: deps.config() }
}

export const backupRunCommand = defineCommand<Options>({
  name: 'backup run',
  summary: 'one backup cycle: settle backups an earlier cycle left in flight, discover servers tagged for backup, start backups, follow them until done or timed out',
  configure: (cmd) => options(cmd),
  parseOptions: parse,
  async run(opts, deps) {
    const report = await runBackupCycle(await cycleDeps(deps, opts), { allProjects: opts.allProjects || deps.config().all_projects, dryRun: opts.dryRun })
    const failed = report.results.filter(failedResult).length + report.plan.overQuota.length + report.discovery.problems.length
    if (opts.json) deps.out.json(report)
    else {
      deps.out.line(`backup cycle at ${report.now.toISOString()}: ${report.discovery.targets.length} volume(s) to protect, ${report.plan.tasks.length} to back up, ${report.planned} task(s) planned`)
      const rows = [
        ...report.plan.tasks.map((t) => [t.volumeId, t.serverId, t.kind, 'planned', t.reasons.join('; ')]),
        ...report.plan.overQuota.map((o) => [o.task.volumeId, o.task.serverId, o.task.kind, 'over_quota', o.message]),
        ...report.plan.skipped.map((s) => [s.volumeId, s.serverId, '', 'skipped', s.message]),
        ...report.discovery.skipped.map((s) => [s.volumeId, s.serverId, '', 'skipped', s.message]),
      ]
      if (rows.length) deps.out.line(table(['VOLUME', 'SERVER', 'KIND', 'STATE', 'WHY'], rows))
      if (report.results.length) {
        deps.out.line('')
        deps.out.line(
          table(
            ['VOLUME', 'SERVER', 'PROJECT', 'OUTCOME', 'BACKUP', 'KIND', 'STEPS / ERROR'],
            report.results.map((r) => [r.volumeId, r.serverId, r.projectId, r.outcome, r.backupId ?? '', r.kind ?? '', r.error ? `${r.error.code}: ${r.error.message}` : r.steps.at(-1) ?? '']),
          ),
        )
        if (report.results.some((r) => r.outcome === 'failed')) deps.out.line('failed tasks are planned again by the next cycle')
      }
      for (const p of report.discovery.problems) deps.out.line(`problem: ${p.message}`)
    }
    return failed ? EXIT.partial : EXIT.ok
  },
})

export const backupExpireCommand = defineCommand<Options>({
  name: 'backup expire',
  summary: 'one retention cycle: delete expired backups, children first, never breaking a chain',
  configure: (cmd) => options(cmd),
  parseOptions: parse,
  async run(opts, deps) {
    const report = await runRetentionCycle(await cycleDeps(deps, opts), { allProjects: opts.allProjects || deps.config().all_projects, dryRun: opts.dryRun })
    if (opts.json) deps.out.json(report)
    else {
      const rows = report.perVolume.flatMap(({ result }) => [
        ...result.remove.map((r) => ['delete', r.backup.id, r.backup.volumeId, r.backup.isIncremental ? 'incremental' : 'full', r.reasons.join('; ')]),
        ...result.keep.map((k) => ['keep', k.backup.id, k.backup.volumeId, k.backup.isIncremental ? 'incremental' : 'full', k.reasons.join('; ')]),
      ])
      deps.out.line(rows.length ? table(['ACTION', 'BACKUP', 'VOLUME', 'KIND', 'WHY'], rows) : 'no backups')
      deps.out.line(`deleted ${report.deleted.length}, refused ${report.failed.length} (retried next cycle), closed ${report.closedRows} row(s) of backups deleted outside Snapwarden`)
      for (const f of report.failed) deps.out.line(`  ${f.backupId}: ${f.code}: ${f.message}`)
      for (const p of report.problems) deps.out.line(`problem: ${p.message}`)
    }
    // Unreadable server metadata holds that server's backups: reported as a failure until fixed.
    return report.failed.length || report.problems.length ? EXIT.partial : EXIT.ok
  },
})

export const backupPlanCommand = defineCommand<Options>({
  name: 'backup plan',
  summary: 'print what the next backup and retention cycles would do, and why (changes nothing)',
  configure: (cmd) => options(cmd, false),
  parseOptions: parse,
  async run(opts, deps) {
    const cd = await cycleDeps(deps, opts)
    const allProjects = opts.allProjects || deps.config().all_projects
    const backup = await runBackupCycle(cd, { allProjects, planOnly: true })
    const retention = await runRetentionCycle(cd, { allProjects, planOnly: true })
    const plan = {
      now: backup.now,
      create: backup.plan.tasks,
      overQuota: backup.plan.overQuota,
      skipped: [...backup.discovery.skipped, ...backup.plan.skipped],
      problems: backup.discovery.problems,
      retention: retention.perVolume.map((v) => ({
        volumeId: v.volumeId,
        ...(v.held ? { heldBy: { serverId: v.held.serverId, key: v.held.key, value: v.held.value } } : {}),
        keep: v.result.keep.map(ids),
        remove: v.result.remove.map(ids),
        chains: v.result.chains,
      })),
    }
    if (opts.json) deps.out.json(plan)
    else {
      deps.out.line(table(['VOLUME', 'KIND', 'WHY'], plan.create.map((t) => [t.volumeId, t.kind, t.reasons.join('; ')])))
      for (const v of plan.retention) for (const r of v.remove) deps.out.line(`delete ${r.id} (${v.volumeId}): ${r.reasons.join('; ')}`)
      for (const v of retention.perVolume) if (v.held) deps.out.line(`${v.volumeId}: ${v.held.reason}`)
      for (const p of plan.problems) deps.out.line(`problem: ${p.message}`)
    }
    return plan.problems.length ? EXIT.partial : EXIT.ok
  },
})

const ids = (x: { backup: BackupRecord; reasons: readonly string[] }) => ({ id: x.backup.id, reasons: x.reasons })

export const backupListCommand = defineCommand<Options>({
  name: 'backup list',
  summary: 'list backups grouped into chains (full followed by its incrementals)',
  configure: (cmd) => cmd.option('--json', 'print JSON', false).option('--all-projects', 'every project (admin credential)', false),
  parseOptions: parse,
  async run(opts, deps) {
    const { cloud } = await deps.openCloud()
    const scope = await scopeFor(cloud, await cloud.identity(), opts.allProjects || deps.config().all_projects)
    const backups = await listAll({ cloud, sleep: deps.sleep, random: deps.random, logger: deps.logger }, 'backups', () => cloud.listBackups(scope))
    const chains = backupChains(backups)
    if (opts.json) deps.out.json(chains.map((c) => c.map((b) => ({ id: b.id, volumeId: b.volumeId, name: b.name, status: b.status, incremental: b.isIncremental, createdAt: b.createdAt }))))
    else {
      const rows = chains.flatMap((c, i) => c.map((b, j) => [`#${i + 1}`, `${j === 0 ? '' : '  └ '}${b.id}`, b.volumeId, b.isIncremental ? 'incremental' : 'full', b.status, b.createdAt, b.name]))
      deps.out.line(rows.length ? table(['CHAIN', 'BACKUP', 'VOLUME', 'KIND', 'STATUS', 'CREATED', 'NAME'], rows) : 'no backups')
    }
    return EXIT.ok
  },
})
