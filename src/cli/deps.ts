/** Builds the concrete objects a command needs, lazily: logger, clock, config, cloud, store. */
import { homedir } from 'node:os'
import type { Clock, Random, Sleep } from '../domain/clock.ts'
import type { Logger } from '../domain/logger.ts'
import type { Metrics } from '../domain/metrics.ts'
import { noopMetrics } from '../domain/metrics.ts'
import type { Cloud } from '../domain/ports.ts'
import type { Config } from '../config/schema.ts'
import { loadConfig } from '../config/load.ts'
import { watchAbort } from '../openstack/core/abort-watch.ts'
import { buildLogger } from './logger.ts'
import { stdoutOut, type Out } from './output.ts'
import { chooseCloud, connectionsFor, openCloud, type CloudChoice, type OpenedCloud } from './open-cloud.ts'

export interface GlobalOptions {
  readonly osCloud?: string
  /** Where osCloud came from: `--os-cloud`, `--cloud` (SnapSentry's spelling) or `OS_CLOUD`. */
  readonly osCloudSource?: string
  /** --simulator: act on the built-in demo simulator (never chosen implicitly). */
  readonly simulator?: boolean
  readonly config?: string
  readonly logLevel?: string
  readonly debug: boolean
}

export interface CliDeps {
  readonly globals: GlobalOptions
  readonly env: NodeJS.ProcessEnv
  readonly out: Out
  readonly logger: Logger
  readonly clock: Clock
  readonly sleep: Sleep
  readonly random: Random
  /** Whether stderr, where the progress bar and logs go, is a terminal (and not CI). */
  readonly isTTY: boolean
  metrics: Metrics
  config(): Config
  /**
   * The cloud the command will act on, resolved from the options, config and clouds.yaml without
   * contacting it; throws a UserError/ConfigError (exit 1) when none is configured or the named
   * one is missing. The built-in simulator only with --simulator.
   */
  chooseCloud(): CloudChoice
  /** Opens (authenticates to) the chosen cloud; once per command. */
  openCloud(): Promise<OpenedCloud>
  /** Registers something to close when the command ends. */
  onClose(fn: () => Promise<void> | void): void
  close(): Promise<void>
}

export const systemClock: Clock = { now: () => new Date() }

/**
 * A timer; an abort rejects with the signal's reason. All sleeps on one signal (a cycle's tasks in
 * retry back-off together) share one listener on it (abort-watch.ts), so no listener warning.
 */
export const realSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const timer = setTimeout(() => {
      stop?.()
      resolve()
    }, ms)
    const stop =
      signal &&
      watchAbort(signal, () => {
        clearTimeout(timer)
        reject(signal.reason)
      })
  })

/** The streams whose terminal-ness matters (tests pass their own). */
export interface Terminal {
  readonly stderr: { readonly isTTY?: boolean | undefined }
}

export function buildDeps(globals: GlobalOptions, env: NodeJS.ProcessEnv, commandName = '', terminal: Terminal = process): CliDeps {
  const closers: (() => Promise<void> | void)[] = []
  let config: Config | undefined
  let choice: CloudChoice | undefined
  let cloud: Promise<OpenedCloud> | undefined
  const logger = buildLogger(globals.logLevel ?? (commandName === 'daemon' || commandName === 'api' ? 'info' : 'error'))
  const deps: CliDeps = {
    globals,
    env,
    out: stdoutOut(),
    logger,
    clock: systemClock,
    sleep: realSleep,
    random: Math.random,
    isTTY: terminal.stderr.isTTY === true && env.CI !== 'true',
    metrics: noopMetrics,
    config() {
      config ??= loadConfig({ path: globals.config, env, cwd: process.cwd(), home: homedir() }).config
      return config
    },
    chooseCloud() {
      if (choice === undefined) {
        const fromConfig = globals.simulator ? undefined : deps.config().cloud
        const named =
          globals.osCloud !== undefined
            ? { name: globals.osCloud, source: globals.osCloudSource ?? '--os-cloud' }
            : fromConfig !== undefined
              ? { name: fromConfig, source: 'the config file\'s cloud' }
              : undefined
        choice = chooseCloud({ simulator: globals.simulator === true, named, env })
      }
      return choice
    },
    openCloud() {
      if (cloud) return cloud
      const opening = openCloud(deps.chooseCloud(), { env, logger, metrics: () => deps.metrics, connections: connectionsFor(deps.config()) }).then((c) => {
        closers.push(c.close)
        return c
      })
      // An open that failed is not kept: the next call (the daemon's next attempt) connects afresh.
      cloud = opening
      void opening.catch(() => {
        if (cloud === opening) cloud = undefined
      })
      return opening
    },
    onClose(fn) {
      closers.push(fn)
    },
    async close() {
      for (const fn of closers.reverse()) await fn()
    },
  }
  return deps
}

export type { Cloud }
