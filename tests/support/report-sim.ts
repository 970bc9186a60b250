/**
 * Report cycles against the simulator: backup results made by the real backup cycle (one server
 * named `<script>alert(1)</script>`, one whose backup fails), and the report ports built from a
 * `notification:` section exactly as the CLI builds them.
 */
import assert from 'node:assert/strict'
import { runBackupCycle } from '../../src/cycles/backup-cycle.ts'
import { runReportCycle, type ReportCycleDeps, type ReportCycleOptions, type ReportCycleReport } from '../../src/cycles/report-cycle.ts'
import { buildReportPorts, type ReportPorts } from '../../src/cli/report-ports.ts'
import type { Config } from '../../src/config/schema.ts'
import { validateConfig } from '../../src/config/validate.ts'
import type { Sleep } from '../../src/domain/clock.ts'
import type { Logger } from '../../src/domain/logger.ts'
import type { Store } from '../../src/domain/store-port.ts'
import { addProtectedServer, type BackupHarness } from './backup-sim.ts'

export const SCRIPT_SERVER = '<script>alert(1)</script>'

/** A Config with defaults, these conductor options and this notification section (validated). */
export function reportConfig(notification: Record<string, unknown> | undefined, conductor: Record<string, unknown> = {}): Config {
  const r = validateConfig({ conductor, ...(notification ? { notification } : {}) })
  if (!r.ok) throw new Error(`test config invalid: ${JSON.stringify(r.problems)}`)
  return r.config
}

/**
 * Two tagged servers in the harness's project, each with one result: `<script>alert(1)</script>`
 * (volume `data "1" & <b>logs</b>`) backed up, then `swtest-J-broken` whose backup ends in error.
 * Needs conductor.backup_min_interval > 0 in `config` (the second cycle skips the first server).
 */
export async function makeBackupResults(b: BackupHarness, config: Config): Promise<{ scriptVolume: string; brokenVolume: string }> {
  assert.ok(config.conductor.backup_min_interval > 0)
  const script = b.sim.state.addServer({ projectId: b.projectId, name: SCRIPT_SERVER, metadata: { __staffeln_backup: 'true' } })
  const v = b.sim.state.addVolume({ projectId: b.projectId, name: 'data "1" & <b>logs</b>', size: 1 })
  b.sim.state.attach(script.id, v.id)
  const first = await runBackupCycle(b.deps(config), { allProjects: false })
  assert.deepEqual(first.results.map((r) => r.outcome), ['succeeded'], JSON.stringify(first.results))
  const { volumes: [broken] } = addProtectedServer(b.sim, b.projectId, 'broken')
  b.sim.faults.failTransitions('backup', { times: 1 })
  const second = await runBackupCycle(b.deps(config), { allProjects: false })
  assert.deepEqual(second.results.map((r) => [r.volumeId, r.outcome]), [[broken!.id, 'failed']], JSON.stringify(second.results))
  return { scriptVolume: v.id, brokenVolume: broken!.id }
}

export interface ReportRun {
  readonly ports: ReportPorts
  readonly deps: ReportCycleDeps
  run(opts?: Partial<ReportCycleOptions>, store?: Store): Promise<ReportCycleReport>
}

export async function reportRun(
  b: BackupHarness,
  config: Config,
  env: Readonly<Record<string, string | undefined>> = {},
  logger?: Logger,
  smtp: { readonly sleep?: Sleep; readonly timeoutMs?: number } = {},
): Promise<ReportRun> {
  const base = b.deps(config)
  const log = logger ?? base.logger
  const ports = await buildReportPorts(config.notification, env, log, { timeoutMs: 5000, ...smtp })
  const deps: ReportCycleDeps = {
    ...base,
    logger: log,
    render: ports.render,
    transport: ports.transport,
    recipients: ports.recipients,
    members: b.client.cloud,
  }
  return {
    ports,
    deps,
    run: (opts = {}, store) => runReportCycle(store ? { ...deps, store } : deps, { allProjects: false, ...opts }),
  }
}
