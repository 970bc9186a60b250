/** `plan`, `create-snapshots`, `expire-snapshots` and `run`: one snapshot cycle each. */
import type { Command } from 'commander'
import { UserError } from '../../domain/errors.ts'
import type { SnapshotPlanMode } from '../../planner/snapshot-plan.ts'
import { defineCommand, type CliCommand } from '../command.ts'
import { cycleJson, printCycle } from '../cycle-output.ts'
import type { CliDeps } from '../deps.ts'
import { EXIT } from '../exit-codes.ts'
import { progressPrinter } from '../progress.ts'
import { failuresOf, runSnapshotCycle } from '../../cycles/snapshot-cycle.ts'
import { createFailureNotifier, notifyFailures } from '../notify-failures.ts'

interface Options {
  readonly json: boolean
  readonly allProjects: boolean
  readonly dryRun: boolean
  readonly at?: Date
  readonly sequentialDetached?: boolean
}

const common = (cmd: Command) =>
  cmd
    .option('--json', 'print JSON', false)
    .option('--all-projects', 'every project (admin credential; all_tenants)', false)

function parse(raw: Readonly<Record<string, unknown>>): Options {
  let at: Date | undefined
  if (typeof raw.at === 'string') {
    at = new Date(raw.at)
    if (Number.isNaN(at.getTime())) throw new UserError(`--at "${raw.at}" is not an instant; accepted: ISO 8601 such as 2026-11-29T23:00:00+01:00`)
  }
  return {
    json: raw.json === true,
    allProjects: raw.allProjects === true,
    dryRun: raw.dryRun === true,
    ...(at ? { at } : {}),
    ...(raw.sequentialDetached === true ? { sequentialDetached: true } : {}),
  }
}

function cycleCommand(name: string, summary: string, mode: SnapshotPlanMode): CliCommand<Options> {
  return defineCommand<Options>({
    name,
    summary,
    configure: (cmd) =>
      common(cmd)
        .option('--dry-run', 'plan and print, send nothing', false)
        .option('--sequential-detached', "SnapSentry's behaviour: detached and multi-attached volumes one after another (config snapshots.sequential_detached)", false),
    parseOptions: parse,
    run: (opts, deps) => execute(opts, deps, mode, false),
  })
}

async function execute(opts: Options, deps: CliDeps, mode: SnapshotPlanMode, planOnly: boolean): Promise<number> {
  const { cloud, label } = await deps.openCloud()
  const notify = planOnly || opts.dryRun ? undefined : await createFailureNotifier(deps)
  const progress = planOnly || opts.json ? undefined : progressPrinter(deps.isTTY)
  const base = deps.config()
  const config = opts.sequentialDetached ? { ...base, snapshots: { ...base.snapshots, sequential_detached: true } } : base
  const report = await runSnapshotCycle(
    { cloud, clock: deps.clock, sleep: deps.sleep, random: deps.random, logger: deps.logger, metrics: deps.metrics, config },
    { mode, allProjects: opts.allProjects || base.all_projects, dryRun: opts.dryRun, planOnly, ...(opts.at ? { at: opts.at } : {}), ...(progress ? { onProgress: progress.update } : {}) },
  )
  progress?.done()
  if (opts.json) deps.out.json(cycleJson(report, label))
  else printCycle(deps.out, report, label)
  if (notify) await notifyFailures(notify, `snapshots-${mode}`, report)
  return failuresOf(report) > 0 ? EXIT.partial : EXIT.ok
}

export const planCommand = defineCommand<Options>({
  name: 'plan',
  summary: 'print every create, keep and delete with its reason, without changing anything',
  configure: (cmd) =>
    common(cmd)
      .option('--at <instant>', 'plan as it would be at another moment (ISO 8601), from today\'s snapshots')
      .option('--mode <mode>', 'create, expire or all', 'all'),
  parseOptions: (raw) => {
    const mode = String(raw.mode ?? 'all')
    if (!['create', 'expire', 'all'].includes(mode)) throw new UserError(`--mode "${mode}": accepted: create, expire, all`)
    return { ...parse(raw), mode } as Options & { mode: SnapshotPlanMode }
  },
  run: (opts, deps) => execute(opts, deps, (opts as Options & { mode: SnapshotPlanMode }).mode, true),
})

export const createSnapshotsCommand = cycleCommand('create-snapshots', 'take the snapshots whose window is open and not yet taken', 'create')
export const expireSnapshotsCommand = cycleCommand('expire-snapshots', 'delete snapshots that retention no longer keeps, and heal stuck ones', 'expire')
export const runCommand = cycleCommand('run', 'one full snapshot cycle: create, then expire', 'all')
