/**
 * The daemon's connection to the cloud: opened on demand, never kept when the open failed, re-tried
 * in the background with backoff until it succeeds, and the outcome of the last attempt kept for
 * /readyz. When a job finds the open cloud not answering, the background loop probes it (one cheap
 * read) with backoff until it answers again. A configuration error (wrong clouds.yaml selection,
 * unreadable CA file, unknown region) is fatal: retrying cannot fix it, so the daemon stops and exits 1.
 */
import type { Clock, Random, Sleep } from '../domain/clock.ts'
import { toErrorInfo, UserError } from '../domain/errors.ts'
import { silentLogger, type Logger } from '../domain/logger.ts'
import type { Cloud } from '../domain/ports.ts'
import type { CheckResult } from './readiness.ts'

export interface CloudLinkDeps {
  /** Opens the cloud (authenticates, reads the catalog); the OpenStack client retries transient errors inside. */
  readonly open: () => Promise<Cloud>
  readonly clock: Clock
  readonly sleep: Sleep
  readonly random: Random
  readonly logger?: Logger
  /** Told once when opening failed with an error retrying cannot fix. */
  readonly onFatal?: (err: unknown) => void
  /** Backoff between background attempts: base·2^(n-1) capped at max, half of it jittered. Default 2 s … 60 s. */
  readonly backoff?: { readonly baseMs: number; readonly maxMs: number }
  /** One cheap read that proves the open cloud answers. Default: the token's project's block storage quota. */
  readonly probe?: (cloud: Cloud, signal: AbortSignal) => Promise<void>
}

const quotaProbe = async (cloud: Cloud, signal: AbortSignal): Promise<void> => {
  const identity = await cloud.identity(signal)
  await cloud.getQuota(identity.projectId, signal)
}

/** Error codes of problems in the configuration: the CLI exits 1 on them, the daemon does not retry them. */
const CONFIGURATION_CODES = new Set(['OS_CONFIG', 'CONFIG_INVALID', 'CONFIG_NOT_FOUND', 'CLI_USAGE'])

export function isConfigurationError(err: unknown): boolean {
  if (err instanceof UserError) return true
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && CONFIGURATION_CODES.has(code)
}

export class CloudLink {
  readonly #deps: CloudLinkDeps
  readonly #logger: Logger
  #cloud: Cloud | undefined
  #opening: Promise<Cloud> | undefined
  #status: CheckResult | undefined
  /** Wakes the background loop when a job found the cloud not answering. */
  #wake: (() => void) | undefined

  constructor(deps: CloudLinkDeps) {
    this.#deps = deps
    this.#logger = deps.logger ?? silentLogger
  }

  /** The last attempt to reach the cloud; undefined until one has ended. */
  status(): CheckResult | undefined {
    return this.#status
  }

  /** True once the cloud has been opened (it is kept from then on; the client re-authenticates by itself). */
  isOpen(): boolean {
    return this.#cloud !== undefined
  }

  /**
   * The cloud for one job run: the open connection, or a fresh attempt to open it (one at a time;
   * concurrent callers share it). A failed attempt is not kept: the next call tries again.
   */
  open(): Promise<Cloud> {
    if (this.#cloud) return Promise.resolve(this.#cloud)
    this.#opening ??= this.#attempt().finally(() => {
      this.#opening = undefined
    })
    return this.#opening
  }

  /**
   * Runs beside the jobs until `signal` aborts: opens the cloud, with backoff between attempts on
   * the injected sleep, so /readyz turns ready as soon as the cloud is back, not only at the next
   * scheduled job; later, whenever a job found the cloud not answering, probes it with backoff until
   * it answers. Returns early on a fatal (configuration) error.
   */
  async connect(signal: AbortSignal): Promise<void> {
    const { baseMs, maxMs } = this.#deps.backoff ?? { baseMs: 2000, maxMs: 60_000 }
    let failures = 0
    while (!signal.aborted) {
      const result = await this.#check(signal)
      if (result === 'fatal') return
      if (result === 'ok') {
        failures = 0
        await this.#untilTrouble(signal)
        continue
      }
      failures++
      const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(failures - 1, 30))
      const delayMs = Math.round(ceiling / 2 + (this.#deps.random() * ceiling) / 2)
      this.#logger.info({ attempt: failures, delayMs }, 'the cloud is not reachable; trying again after a pause')
      try {
        await this.#deps.sleep(delayMs, signal)
      } catch {
        return
      }
    }
  }

  /** Opens the cloud if it is not open; probes it if a job found it not answering. */
  async #check(signal: AbortSignal): Promise<'ok' | 'down' | 'fatal'> {
    const cloud = this.#cloud
    if (!cloud) {
      try {
        await this.open()
        return 'ok'
      } catch (err) {
        return isConfigurationError(err) ? 'fatal' : 'down'
      }
    }
    if (this.#status?.ok !== false) return 'ok'
    try {
      await (this.#deps.probe ?? quotaProbe)(cloud, signal)
    } catch (err) {
      // Only a cloud that does not answer is down; any other answer (403, 404) is an answer.
      if (causes(err).some((e) => cloud.isTransient(e))) {
        const info = toErrorInfo(err)
        this.#mark({ ok: false, checkedAt: this.#deps.clock.now(), error: `${info.code}: ${info.message}` })
        return 'down'
      }
    }
    this.#mark({ ok: true, checkedAt: this.#deps.clock.now() })
    return 'ok'
  }

  /** Resolves when a job finds the cloud not answering, or when `signal` aborts. */
  #untilTrouble(signal: AbortSignal): Promise<void> {
    // An abort that came while the cloud was being opened has fired already: no event will follow.
    if (this.#status?.ok === false || signal.aborted) return Promise.resolve()
    return new Promise<void>((resolve) => {
      const done = (): void => {
        signal.removeEventListener('abort', done)
        this.#wake = undefined
        resolve()
      }
      this.#wake = done
      signal.addEventListener('abort', done, { once: true })
    })
  }

  /** A job run that completed had the cloud answer. */
  noteReachable(): void {
    if (this.#cloud) this.#mark({ ok: true, checkedAt: this.#deps.clock.now() })
  }

  /** A job run that threw: when the cause is the cloud not answering (a transient error), the cloud counts as unreachable. */
  noteFailure(err: unknown): void {
    const cloud = this.#cloud
    if (!cloud || !causes(err).some((e) => cloud.isTransient(e))) return
    const info = toErrorInfo(err)
    this.#mark({ ok: false, checkedAt: this.#deps.clock.now(), error: `${info.code}: ${info.message}` })
    this.#wake?.()
  }

  async #attempt(): Promise<Cloud> {
    try {
      const cloud = await this.#deps.open()
      this.#cloud = cloud
      this.#mark({ ok: true, checkedAt: this.#deps.clock.now() })
      return cloud
    } catch (err) {
      const info = toErrorInfo(err)
      this.#mark({ ok: false, checkedAt: this.#deps.clock.now(), error: `${info.code}: ${info.message}` })
      if (isConfigurationError(err)) {
        this.#logger.error({ err: info }, 'the cloud configuration is wrong; the daemon stops')
        this.#deps.onFatal?.(err)
      } else {
        this.#logger.warn({ err: info }, 'could not connect to the cloud')
      }
      throw err
    }
  }

  #mark(next: CheckResult): void {
    const prev = this.#status
    this.#status = next
    if (prev && prev.ok !== next.ok) {
      if (next.ok) this.#logger.info({}, 'the cloud is reachable again')
      else this.#logger.warn({ error: next.error }, 'the cloud is not reachable')
    }
  }
}

/** The error and its causes (RetriesExhaustedError wraps the last transient error). */
function causes(err: unknown): unknown[] {
  const out: unknown[] = []
  for (let e = err, depth = 0; e !== undefined && e !== null && depth < 8; depth++) {
    out.push(e)
    e = (e as { cause?: unknown }).cause
  }
  return out
}
