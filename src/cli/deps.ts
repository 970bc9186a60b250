/** Builds the concrete objects a command needs, lazily: logger, clock, config, cloud, store. */
import { homedir } from 'node:os'
import { setTimeout as delay } from 'node:timers/promises'
import type { Clock, Random, Sleep } from '../domain/clock.ts'
import type { Logger } from '../domain/logger.ts'
import type { Metrics } from '../domain/metrics.ts'
import { noopMetrics } from '../domain/metrics.ts'
import type { Cloud } from '../domain/ports.ts'
import type { Config } from '../config/schema.ts'
import { loadConfig } from '../config/load.ts'
import { buildLogger } from './logger.ts'
import { stdoutOut, type Out } from './output.ts'
import { openCloud, type OpenedCloud } from './open-cloud.ts'

export interface GlobalOptions {
  readonly osCloud?: string
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
  readonly isTTY: boolean
  metrics: Metrics
  config(): Config
  /** The configured cloud, or the built-in simulator when no cloud is configured at all. */
  openCloud(): Promise<OpenedCloud>
  /** Registers something to close when the command ends. */
  onClose(fn: () => Promise<void> | void): void
  close(): Promise<void>
}

export const systemClock: Clock = { now: () => new Date() }

export const realSleep: Sleep = async (ms, signal) => {
  await delay(ms, undefined, signal ? { signal } : {})
}

export function buildDeps(globals: GlobalOptions, env: NodeJS.ProcessEnv, commandName = ''): CliDeps {
  const closers: (() => Promise<void> | void)[] = []
  let config: Config | undefined
  let cloud: Promise<OpenedCloud> | undefined
  const logger = buildLogger(globals.logLevel ?? (commandName === 'daemon' ? 'info' : 'error'))
  const deps: CliDeps = {
    globals,
    env,
    out: stdoutOut(),
    logger,
    clock: systemClock,
    sleep: realSleep,
    random: Math.random,
    isTTY: process.stdout.isTTY === true && env.CI !== 'true',
    metrics: noopMetrics,
    config() {
      config ??= loadConfig({ path: globals.config, env, cwd: process.cwd(), home: homedir() }).config
      return config
    },
    openCloud() {
      if (cloud) return cloud
      const opening = openCloud({ cloudName: globals.osCloud ?? deps.config().cloud, env, logger, metrics: () => deps.metrics }).then((c) => {
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
