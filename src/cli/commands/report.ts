/**
 * `report`: a project's backup report (Staffeln's report) on stdout, as HTML, text or JSON,
 * without sending or marking anything; `--send` runs the report cycle now (every project with
 * unreported results, or only `--project`), sending by e-mail or to the log as configured.
 */
import { runReportCycle, type ReportCycleDeps } from '../../cycles/report-cycle.ts'
import { UserError } from '../../domain/errors.ts'
import { hasProjectMembers } from '../../domain/report.ts'
import { buildReportModel } from '../../notify/report-model.ts'
import { defineCommand } from '../command.ts'
import type { CliDeps } from '../deps.ts'
import { EXIT } from '../exit-codes.ts'
import { openMigratedStore } from '../open-store.ts'
import { table } from '../output.ts'
import { buildReportPorts } from '../report-ports.ts'

const FORMATS = ['html', 'text', 'json'] as const
type Format = (typeof FORMATS)[number]

interface Options {
  readonly format: Format
  readonly project?: string
  readonly send: boolean
  readonly allProjects: boolean
  readonly db?: string
}

export const reportCommand = defineCommand<Options>({
  name: 'report',
  summary: "a project's backup report (quota, succeeded/failed backups, overdue volumes) on stdout; --send sends the due reports now",
  configure: (cmd) =>
    cmd
      .option('--project <id-or-name>', 'the project (default: the credential\'s project); with --send: only this project')
      .option('--format <format>', `output: ${FORMATS.join(', ')}`, 'text')
      .option('--send', 'send now (e-mail, or the log without notification.sender_email) and mark the results reported', false)
      .option('--all-projects', 'every project (admin credential; all_tenants)', false)
      .option('--db <url>', 'store URL (default SNAPWARDEN_DB, config database.url, SQLite in the state directory)'),
  parseOptions(raw) {
    const format = String(raw.format ?? 'text')
    if (!(FORMATS as readonly string[]).includes(format)) throw new UserError(`--format "${format}": accepted: ${FORMATS.join(', ')}`)
    if (raw.project !== undefined && (typeof raw.project !== 'string' || raw.project.trim() === '')) {
      throw new UserError('--project: accepted: a project id or name')
    }
    return {
      format: format as Format,
      send: raw.send === true,
      allProjects: raw.allProjects === true,
      ...(typeof raw.project === 'string' ? { project: raw.project.trim() } : {}),
      ...(typeof raw.db === 'string' ? { db: raw.db } : {}),
    }
  },
  async run(opts, deps) {
    const config = deps.config()
    const ports = await buildReportPorts(config.notification, deps.env, deps.logger)
    deps.onClose(() => ports.close())
    const { cloud } = await deps.openCloud()
    const store = await openMigratedStore(deps, opts.db)
    const cycleDeps: ReportCycleDeps = {
      cloud,
      store,
      clock: deps.clock,
      sleep: deps.sleep,
      random: deps.random,
      logger: deps.logger,
      metrics: deps.metrics,
      config,
      render: ports.render,
      transport: ports.transport,
      recipients: ports.recipients,
      ...(hasProjectMembers(cloud) ? { members: cloud } : {}),
    }
    const allProjects = opts.allProjects || config.all_projects
    const projectId = opts.project !== undefined ? await resolveProject(deps, opts.project) : undefined
    if (opts.send) {
      const result = await runReportCycle(cycleDeps, { allProjects, ...(projectId !== undefined ? { projectId } : {}) })
      if (opts.format === 'json') deps.out.json(result.projects.map(({ input: _i, rendered: _r, ...p }) => p))
      else if (result.projects.length === 0) deps.out.line('no unreported backup results')
      else {
        deps.out.line(
          table(
            ['PROJECT', 'NAME', 'STATUS', 'RESULTS', 'RECIPIENTS', 'ERROR'],
            result.projects.map((p) => [p.projectId, p.projectName, p.status, p.taskCount, p.recipients.join(', '), p.error ? `${p.error.code}: ${p.error.message}` : '']),
          ),
        )
      }
      return result.projects.some((p) => p.status === 'failed' || p.status === 'no_recipients') ? EXIT.partial : EXIT.ok
    }
    const own = projectId ?? (await cloud.identity()).projectId
    const result = await runReportCycle(cycleDeps, { allProjects, projectId: own, preview: true })
    const outcome = result.projects.find((p) => p.projectId === own)
    if (!outcome?.rendered || !outcome.input) throw new UserError(`no report for project ${own}: ${outcome?.error?.message ?? 'nothing rendered'}`)
    if (opts.format === 'html') deps.out.line(outcome.rendered.html.trimEnd())
    else if (opts.format === 'text') deps.out.line(outcome.rendered.text.trimEnd())
    else deps.out.json(buildReportModel(outcome.input, ports.thresholds))
    return EXIT.ok
  },
})

/** An id as given; a name when the credential can list projects and one has that name. */
async function resolveProject(deps: CliDeps, given: string): Promise<string> {
  const { cloud } = await deps.openCloud()
  const identity = await cloud.identity()
  if (given === identity.projectId || given === identity.projectName) return identity.projectId
  if (!identity.isAdmin) return given
  const byName = (await cloud.listProjects()).filter((p) => p.name === given || p.id === given)
  if (byName.length > 1) throw new UserError(`--project "${given}": ${byName.length} projects have that name; give the id`)
  return byName[0]?.id ?? given
}
