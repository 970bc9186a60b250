/** What the daemon's jobs receive from the composition root (cli/): ports, not concrete objects. */
import type { Clock, Random, Sleep } from '../domain/clock.ts'
import type { CycleConfig } from '../domain/cycle-config.ts'
import type { FailureNotifier } from '../domain/failure-report.ts'
import type { Logger } from '../domain/logger.ts'
import type { Metrics } from '../domain/metrics.ts'
import type { Cloud } from '../domain/ports.ts'
import type { Store } from '../domain/store-port.ts'

export interface DaemonPorts {
  readonly clock: Clock
  readonly sleep: Sleep
  readonly random: Random
  readonly logger: Logger
  readonly metrics: Metrics
  readonly config: CycleConfig
  /** The cloud for one job run. */
  openCloud(): Promise<Cloud>
  readonly notify: FailureNotifier
}

export interface StorePorts extends DaemonPorts {
  readonly store: Store
}
