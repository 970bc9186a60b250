/**
 * The report cycle (Staffeln's report, done properly): for each project with backup results not
 * yet reported, gather its quota and what is overdue, render the report and deliver it (e-mail,
 * or the log without `sender_email`); the results are marked reported only after it went out.
 *
 * Several daemons may share a store: each project's report is claimed with a lease
 * (`report:<project id>`), and its results are read again under the claim, so a report another
 * daemon just sent is not sent twice. A send that fails leaves the results unreported; the next
 * cycle sends them. Delivery is at least once: when marking fails after a send, the next cycle
 * sends that report again.
 */
import { toErrorInfo, UserError, type ErrorInfo } from '../domain/errors.ts'
import type { BackupRecord } from '../domain/inventory.ts'
import type { ListScope } from '../domain/ports.ts'
import type {
  OverdueVolume,
  ProjectMembers,
  ProjectReportInput,
  RenderedReport,
  ReportRecipientSettings,
  ReportRenderer,
  ReportTransport,
} from '../domain/report.ts'
import type { BackupTask } from '../domain/store-port.ts'
import type { BackupTarget } from '../planner/backup-discovery.ts'
import { backupInventory, workerId, type BackupCycleDeps } from './backup-inventory.ts'
import { readWithRetry } from './cloud-reads.ts'

/** How long a daemon holds a project's report claim; the SMTP transport's timeouts end well within it. */
export const REPORT_CLAIM_SECONDS = 15 * 60

export interface ReportCycleDeps extends BackupCycleDeps {
  readonly render: ReportRenderer
  readonly transport: ReportTransport
  readonly recipients: ReportRecipientSettings
  /** Keystone's project members, for reports without `receiver` or `project_receiver_domain`. */
  readonly members?: ProjectMembers
}

export interface ReportCycleOptions {
  readonly allProjects: boolean
  /** Only this project. */
  readonly projectId?: string
  /**
   * Staffeln's `report_period` rule, in seconds: a project is reported once its oldest unreported
   * result finished at least this long ago (then all its unreported results go). 0: at once.
   */
  readonly minAgeSeconds?: number
  /** Render only (`snapwarden report` without --send): nothing is claimed, sent or marked. */
  readonly preview?: boolean
  readonly owner?: string
  readonly signal?: AbortSignal
}

export const REPORT_STATUSES = ['sent', 'logged', 'preview', 'not_due', 'claimed_elsewhere', 'nothing_to_report', 'no_recipients', 'failed'] as const
export type ReportStatus = (typeof REPORT_STATUSES)[number]

export interface ProjectReportOutcome {
  readonly projectId: string
  readonly projectName: string
  readonly status: ReportStatus
  /** Results in the report (marked reported when sent or logged). */
  readonly taskCount: number
  readonly recipients: readonly string[]
  readonly error?: ErrorInfo
  readonly input?: ProjectReportInput
  readonly rendered?: RenderedReport
}

export interface ReportCycleReport {
  readonly now: Date
  readonly projects: readonly ProjectReportOutcome[]
}

/** Seconds after which a tagged volume without a newer available backup is overdue. */
export function overdueAfterSeconds(c: BackupCycleDeps['config']['conductor']): number {
  // The next backup starts at the first backup cycle after backup_min_interval has passed since
  // the last one (at most backup_service_period later), and may take backup_cycle_timeout.
  return c.backup_min_interval + c.backup_service_period + c.backup_cycle_timeout
}

interface CloudView {
  readonly names: ReadonlyMap<string, string>
  readonly scope?: ListScope
  readonly targets?: readonly BackupTarget[]
  readonly backups?: readonly BackupRecord[]
  readonly inventoryError?: ErrorInfo
}

export async function runReportCycle(deps: ReportCycleDeps, opts: ReportCycleOptions): Promise<ReportCycleReport> {
  const now = deps.clock.now()
  const owner = opts.owner ?? workerId()
  const pending = await deps.store.tasksForReport(opts.projectId)
  const byProject = groupByProject(pending)
  if (opts.preview && opts.projectId !== undefined && !byProject.has(opts.projectId)) byProject.set(opts.projectId, [])
  const minAgeMs = (opts.minAgeSeconds ?? 0) * 1000
  const due = [...byProject].filter(([, tasks]) => opts.preview || isDue(tasks, now, minAgeMs))
  const notDue = [...byProject].filter(([, tasks]) => !opts.preview && !isDue(tasks, now, minAgeMs))
  const projects: ProjectReportOutcome[] = notDue.map(([projectId, tasks]) => ({
    projectId,
    projectName: projectId,
    status: 'not_due',
    taskCount: tasks.length,
    recipients: [],
  }))
  if (due.length === 0) return { now, projects }
  const view = await readCloud(deps, opts)
  for (const [projectId] of due) {
    if (opts.signal?.aborted) break
    projects.push(await reportProject(deps, opts, owner, now, view, projectId))
  }
  return { now, projects }
}

async function reportProject(
  deps: ReportCycleDeps,
  opts: ReportCycleOptions,
  owner: string,
  now: Date,
  view: CloudView,
  projectId: string,
): Promise<ProjectReportOutcome> {
  const known = view.names.get(projectId)
  const projectName = known ?? projectId
  const base = { projectId, projectName }
  const claim = `report:${projectId}`
  if (!opts.preview && !(await deps.store.acquireLease(claim, owner, now, REPORT_CLAIM_SECONDS * 1000))) {
    return { ...base, status: 'claimed_elsewhere', taskCount: 0, recipients: [] }
  }
  try {
    // Read again under the claim: another daemon may have reported them since the first read.
    const tasks = await deps.store.tasksForReport(projectId)
    if (!opts.preview && tasks.length === 0) return { ...base, status: 'nothing_to_report', taskCount: 0, recipients: [] }
    const input = await gatherInput(deps, opts, now, view, { id: projectId, name: projectName }, tasks)
    const rendered = deps.render(input)
    if (opts.preview) return { ...base, status: 'preview', taskCount: tasks.length, recipients: [], input, rendered }
    const to = deps.transport.kind === 'log' ? [] : await recipientsOf(deps, opts, projectId, known)
    if (deps.transport.kind === 'email' && to.length === 0) {
      deps.logger.warn({ projectId, projectName }, `no recipient for the report of project ${projectName}; its results stay unreported until the next cycle`)
      return { ...base, status: 'no_recipients', taskCount: tasks.length, recipients: [], input, rendered }
    }
    await deps.transport.send({ to, ...rendered }, opts.signal)
    await deps.store.markReported(tasks.map((t) => t.id))
    deps.logger.info({ projectId, projectName, results: tasks.length, recipients: to.length }, `report of project ${projectName} ${deps.transport.kind === 'log' ? 'logged' : 'sent'}`)
    return { ...base, status: deps.transport.kind === 'log' ? 'logged' : 'sent', taskCount: tasks.length, recipients: to, input, rendered }
  } catch (err) {
    const error = toErrorInfo(err)
    deps.logger.error({ projectId, projectName, code: error.code, err: error.message }, `report of project ${projectName} failed; its results stay unreported and the next cycle sends them`)
    return { ...base, status: 'failed', taskCount: 0, recipients: [], error }
  } finally {
    if (!opts.preview) await deps.store.releaseLease(claim, owner).catch(() => undefined)
  }
}

async function gatherInput(
  deps: ReportCycleDeps,
  opts: ReportCycleOptions,
  now: Date,
  view: CloudView,
  project: { id: string; name: string },
  tasks: BackupTask[],
): Promise<ProjectReportInput> {
  const after = overdueAfterSeconds(deps.config.conductor)
  let quota: ProjectReportInput['quota']
  let quotaError: ErrorInfo | undefined
  try {
    quota = await readWithRetry(deps, 'quota', () => deps.cloud.getQuota(project.id, opts.signal), opts.signal)
  } catch (err) {
    quotaError = toErrorInfo(err)
  }
  const overdue = overdueOf(view, project.id, now, after)
  return {
    project,
    generatedAt: now,
    ...(quota ? { quota } : {}),
    ...(quotaError ? { quotaError } : {}),
    tasks,
    ...('volumes' in overdue ? { overdue: overdue.volumes } : { overdueError: overdue.error }),
    overdueAfterSeconds: after,
  }
}

const PLAIN_ADDRESS = /^[^\s@<>,;:"()[\]\\]+@[^\s@<>,;:"()[\]\\]+$/

/** Receiver list, else `<project name>@<domain>`, else the project members' e-mails (Keystone). */
async function recipientsOf(deps: ReportCycleDeps, opts: ReportCycleOptions, projectId: string, name: string | undefined): Promise<string[]> {
  const r = deps.recipients
  if (r.receiver.length > 0) return [...r.receiver]
  if (r.project_receiver_domain !== undefined) {
    if (name === undefined || !/^[^\s@<>,;"]+$/.test(name)) {
      throw new UserError(
        `cannot address the report of project ${projectId} to <project name>@${r.project_receiver_domain}: ` +
          (name === undefined ? 'its name could not be read' : `its name ${JSON.stringify(name)} is not an e-mail local part`),
        'CONFIG_INVALID',
      )
    }
    return [`${name}@${r.project_receiver_domain}`]
  }
  if (deps.members === undefined) return []
  const members = deps.members
  const emails = await readWithRetry(deps, 'project members', () => members.projectMemberEmails(projectId, opts.signal), opts.signal)
  // A user's e-mail attribute is user input: one plain address each, or it is left out.
  const bad = emails.filter((e) => !PLAIN_ADDRESS.test(e))
  if (bad.length) deps.logger.warn({ projectId, left_out: bad.length }, `${bad.length} member e-mail value(s) of project ${projectId} are not one plain address; left out`)
  return [...new Set(emails.filter((e) => PLAIN_ADDRESS.test(e)))].sort()
}

/** Project names and (when possible) one listing of servers, volumes and backups for what is overdue. */
async function readCloud(deps: ReportCycleDeps, opts: ReportCycleOptions): Promise<CloudView> {
  const names = new Map<string, string>()
  try {
    const identity = await readWithRetry(deps, 'identity', () => deps.cloud.identity(opts.signal), opts.signal)
    if (identity.projectId) names.set(identity.projectId, identity.projectName)
    if (identity.isAdmin) {
      for (const p of await readWithRetry(deps, 'project listing', () => deps.cloud.listProjects(opts.signal), opts.signal)) names.set(p.id, p.name)
    }
  } catch (err) {
    deps.logger.warn({ err: toErrorInfo(err).message }, 'project names could not be read; reports name projects by id')
  }
  try {
    const inv = await backupInventory(deps, { allProjects: opts.allProjects, ...(opts.signal ? { signal: opts.signal } : {}) })
    return { names, scope: inv.scope, targets: inv.discovery.targets, backups: inv.backups }
  } catch (err) {
    return { names, inventoryError: toErrorInfo(err) }
  }
}

function overdueOf(view: CloudView, projectId: string, now: Date, afterSeconds: number): { volumes: OverdueVolume[] } | { error: ErrorInfo } {
  if (view.inventoryError || !view.targets || !view.backups || !view.scope) {
    return { error: view.inventoryError ?? { code: 'INTERNAL', message: 'no listing' } }
  }
  if (!view.scope.allProjects && view.scope.projectId !== projectId) {
    return { error: { code: 'CLI_USAGE', message: `project ${projectId} is outside the listing scope (run with --all-projects)` } }
  }
  const cutoff = now.getTime() - afterSeconds * 1000
  const newest = new Map<string, number>()
  for (const b of view.backups) {
    if (b.status !== 'available') continue
    const t = b.createdAt.getTime()
    if (t > (newest.get(b.volumeId) ?? -Infinity)) newest.set(b.volumeId, t)
  }
  const out: OverdueVolume[] = []
  const seen = new Set<string>()
  for (const t of view.targets) {
    if (t.projectId !== projectId || seen.has(t.volume.id)) continue
    seen.add(t.volume.id)
    const last = newest.get(t.volume.id)
    // A volume younger than the interval cannot be overdue yet.
    if ((last !== undefined && last >= cutoff) || t.volume.createdAt.getTime() >= cutoff) continue
    out.push({
      volumeId: t.volume.id,
      volumeName: t.volume.name,
      serverId: t.server.id,
      serverName: t.server.name,
      ...(last !== undefined ? { lastBackupAt: new Date(last) } : {}),
    })
  }
  return { volumes: out.sort((a, b) => a.serverName.localeCompare(b.serverName) || a.volumeName.localeCompare(b.volumeName)) }
}

function groupByProject(tasks: readonly BackupTask[]): Map<string, BackupTask[]> {
  const out = new Map<string, BackupTask[]>()
  for (const t of tasks) {
    const list = out.get(t.projectId) ?? []
    list.push(t)
    out.set(t.projectId, list)
  }
  return out
}

function isDue(tasks: readonly BackupTask[], now: Date, minAgeMs: number): boolean {
  if (minAgeMs <= 0) return tasks.length > 0
  return tasks.some((t) => (t.finishedAt ?? t.plannedAt).getTime() <= now.getTime() - minAgeMs)
}
