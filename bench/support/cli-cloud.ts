/**
 * The benchmark's client, wired as the CLI wires it, by the CLI's own code: a clouds.yaml naming
 * the simulator and a config file, read by `buildDeps` (src/cli/deps.ts) as `snapwarden --os-cloud
 * bench-simulator -c bench.yaml …` would, and the cloud opened by its `openCloud()` (per-project
 * tokens, the CLI's user agent and call counting). Only the metrics port is ours: it counts the
 * client's requests from the CLI's own `snapwarden_cloud_api_*` metrics.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { COMMAND_TABLE, commandsToLoad, loadCommands, optionsTakingValue } from '../../src/cli/commands/registry.ts'
import { buildDeps, type CliDeps } from '../../src/cli/deps.ts'
import type { OpenedCloud } from '../../src/cli/open-cloud.ts'
import type { Labels, Metrics } from '../../src/domain/metrics.ts'
import type { Row } from './bench-report.ts'

export const BENCH_CLOUD = 'bench-simulator'

export interface CliCloud {
  readonly deps: CliDeps
  readonly opened: OpenedCloud
  /** Requests the client finished (any outcome), from snapwarden_cloud_api_calls_total. */
  clientRequests(): number
  /** Requests that ended in a 4xx/5xx or without a status, by status. */
  clientErrors(): Readonly<Record<string, number>>
  /** Client-side duration per HTTP method: count, p50, p95, max. */
  latencyRows(): Row[]
  close(): Promise<void>
}

/**
 * Loads the CLI's entry module and the modules of `command` (`create-snapshots`, `backup run`), as
 * `snapwarden <command>` loads them (commands/registry.ts), so this process holds what the CLI's does.
 */
export async function loadCliModules(command: string | undefined): Promise<void> {
  const { buildProgram } = await import('../../src/cli/main.ts')
  if (command === undefined) return
  const table = commandsToLoad(command.split(' '), optionsTakingValue(buildProgram()))
  if (table.length === COMMAND_TABLE.length) throw new Error(`bench: "${command}" is not a snapwarden command`)
  await loadCommands(table)
}

/** `config` is the snapwarden.yaml document (the CLI's settings; `{}` for the defaults); `command` names the CLI command (its log level). */
export async function openCliCloud(cloudEntry: unknown, config: Readonly<Record<string, unknown>>, command?: string): Promise<CliCloud> {
  const dir = mkdtempSync(join(tmpdir(), 'snapwarden-bench-'))
  const cloudsFile = join(dir, 'clouds.yaml')
  const configFile = join(dir, 'snapwarden.yaml')
  writeFileSync(cloudsFile, stringify({ clouds: { [BENCH_CLOUD]: cloudEntry } }), { mode: 0o600 })
  writeFileSync(configFile, stringify(config))
  // Only what the CLI would read; no proxies: everything is on loopback.
  const env: NodeJS.ProcessEnv = { OS_CLIENT_CONFIG_FILE: cloudsFile, HOME: dir }
  const deps = buildDeps({ osCloud: BENCH_CLOUD, osCloudSource: '--os-cloud', config: configFile, debug: false }, env, command ?? 'run', { stderr: { isTTY: false } })
  let requests = 0
  const errors: Record<string, number> = {}
  const durations = new Map<string, number[]>()
  const metrics: Metrics = {
    inc(name: string, labels?: Labels) {
      if (name !== 'snapwarden_cloud_api_calls_total') return
      requests++
      const status = labels?.['status'] ?? 'unknown'
      if (status === 'network_error' || Number(status) >= 400) errors[status] = (errors[status] ?? 0) + 1
    },
    set() {},
    observe(name: string, value: number, labels?: Labels) {
      if (name !== 'snapwarden_cloud_api_call_duration_seconds') return
      const key = labels?.['method'] ?? '?'
      const list = durations.get(key)
      if (list) list.push(value * 1000)
      else durations.set(key, [value * 1000])
    },
  }
  deps.metrics = metrics
  let opened: OpenedCloud
  try {
    opened = await deps.openCloud()
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
  const at = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0
  return {
    deps,
    opened,
    clientRequests: () => requests,
    clientErrors: () => ({ ...errors }),
    latencyRows: () =>
      [...durations.entries()]
        .sort(([, a], [, b]) => b.length - a.length)
        .map(([key, list]): Row => {
          const s = [...list].sort((a, b) => a - b)
          return [key, `n=${s.length}  p50 ${at(s, 0.5).toFixed(0)} ms  p95 ${at(s, 0.95).toFixed(0)} ms  max ${(s[s.length - 1] ?? 0).toFixed(0)} ms`]
        }),
    close: async () => {
      await deps.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
