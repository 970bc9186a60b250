/**
 * Per-project backup reports (Staffeln's report, done properly): what the report cycle gathers,
 * and the ports it renders and delivers through. notify/ implements the renderer and the
 * transports; cli/ wires them; cycles/ gathers the data with the cloud and the store.
 */
import type { ErrorInfo } from './errors.ts'
import type { BlockStorageQuota } from './inventory.ts'
import type { BackupTask } from './store-port.ts'

/** A tagged volume with no available backup within the expected interval. */
export interface OverdueVolume {
  readonly volumeId: string
  readonly volumeName: string
  readonly serverId: string
  readonly serverName: string
  /** Creation time of its newest available backup; undefined when it has none. */
  readonly lastBackupAt?: Date
}

export interface ReportProject {
  readonly id: string
  readonly name: string
}

/** Everything one project's report shows; rendering it is pure. */
export interface ProjectReportInput {
  readonly project: ReportProject
  readonly generatedAt: Date
  /** Undefined when it could not be read (`quotaError` says why). */
  readonly quota?: BlockStorageQuota
  readonly quotaError?: ErrorInfo
  /** Finished backup tasks not yet reported (succeeded, failed, cancelled, over_quota), oldest first. */
  readonly tasks: readonly BackupTask[]
  /** Undefined when the cloud could not be listed (`overdueError` says why). */
  readonly overdue?: readonly OverdueVolume[]
  readonly overdueError?: ErrorInfo
  /** Seconds: a tagged volume is overdue when its newest available backup is older than this. */
  readonly overdueAfterSeconds: number
}

export interface RenderedReport {
  readonly subject: string
  readonly html: string
  readonly text: string
}

export type ReportRenderer = (input: ProjectReportInput) => RenderedReport

export interface ReportMessage {
  readonly to: readonly string[]
  readonly subject: string
  readonly html: string
  readonly text: string
}

/**
 * Where reports go: `email` (SMTP) needs recipients; `log` (no `sender_email`, as in Staffeln)
 * writes the text report to the log. `send` throws when the message did not go out.
 */
export interface ReportTransport {
  readonly kind: 'email' | 'log'
  send(message: ReportMessage, signal?: AbortSignal): Promise<void>
}

/** The e-mail addresses of a project's members (Keystone role assignments, then users). */
export interface ProjectMembers {
  projectMemberEmails(projectId: string, signal?: AbortSignal): Promise<string[]>
}

export function hasProjectMembers(x: unknown): x is ProjectMembers {
  return typeof (x as Partial<ProjectMembers> | null)?.projectMemberEmails === 'function'
}

/** The `notification:` options the report cycle reads (config/ parses them). */
export interface ReportRecipientSettings {
  /** Every project's report goes here when not empty. */
  readonly receiver: readonly string[]
  /** Else `<project name>@<domain>`; else the project members' e-mails. */
  readonly project_receiver_domain?: string | undefined
}
