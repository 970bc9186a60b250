import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import { silentLogger, type Logger } from '../domain/logger.ts'
import type { Labels, Metrics } from '../domain/metrics.ts'
import { METRIC_DEFINITIONS, type MetricDefinition, type MetricKind } from './metric-definitions.ts'

export interface PromMetricsOptions {
  /** Also export prom-client's process metrics (CPU, memory, event loop). Default true. */
  readonly defaultMetrics?: boolean
  /** Throw on an unknown name, a wrong kind, an unknown or a missing label (for tests). Default false: warn once and carry on. */
  readonly strict?: boolean
  readonly definitions?: readonly MetricDefinition[]
  readonly logger?: Logger
}

type AnyMetric = Counter<string> | Gauge<string> | Histogram<string>

const CALL_KIND = { inc: 'counter', set: 'gauge', observe: 'histogram' } as const satisfies Record<string, MetricKind>
type Call = keyof typeof CALL_KIND

/**
 * The Metrics port on prom-client, with its own Registry (never the global one). Metrics are
 * created on first use from METRIC_DEFINITIONS. A metrics mistake never breaks the caller unless strict.
 */
export class PromMetrics implements Metrics {
  readonly registry = new Registry()
  readonly #defs: ReadonlyMap<string, MetricDefinition>
  readonly #metrics = new Map<string, { def: MetricDefinition; metric: AnyMetric }>()
  readonly #warned = new Set<string>()
  readonly #strict: boolean
  readonly #logger: Logger

  constructor(opts: PromMetricsOptions = {}) {
    this.#defs = new Map((opts.definitions ?? METRIC_DEFINITIONS).map((d) => [d.name, d]))
    this.#strict = opts.strict ?? false
    this.#logger = opts.logger ?? silentLogger
    if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry })
  }

  get contentType(): string {
    return this.registry.contentType
  }

  /** The Prometheus text exposition of every metric in this registry. */
  render(): Promise<string> {
    return this.registry.metrics()
  }

  inc(name: string, labels: Labels = {}, value = 1): void {
    this.#apply('inc', name, labels, (m, l) => (m as Counter<string>).inc(l, value))
  }

  set(name: string, value: number, labels: Labels = {}): void {
    this.#apply('set', name, labels, (m, l) => (m as Gauge<string>).set(l, value))
  }

  observe(name: string, value: number, labels: Labels = {}): void {
    this.#apply('observe', name, labels, (m, l) => (m as Histogram<string>).observe(l, value))
  }

  #apply(call: Call, name: string, labels: Labels, fn: (m: AnyMetric, l: Record<string, string>) => void): void {
    try {
      const entry = this.#get(call, name, labels)
      if (!entry) return
      fn(entry.metric, this.#labels(entry.def, labels))
    } catch (err) {
      if (this.#strict) throw err
      this.#warnOnce(`${name}:error`, { metric: name, err: err instanceof Error ? err.message : String(err) }, 'metric not recorded')
    }
  }

  #get(call: Call, name: string, labels: Labels): { def: MetricDefinition; metric: AnyMetric } | undefined {
    const existing = this.#metrics.get(name)
    const def = existing?.def ?? this.#defs.get(name) ?? this.#unknown(call, name, labels)
    if (def.kind !== CALL_KIND[call] && !(def.kind === 'gauge' && call === 'inc')) {
      this.#problem(`${name}:kind`, `metric ${name} is a ${def.kind}; ${call}() does not apply`)
      return undefined
    }
    if (existing) return existing
    const config = { name: def.name, help: def.help, labelNames: [...def.labelNames], registers: [this.registry] }
    const metric =
      def.kind === 'counter'
        ? new Counter(config)
        : def.kind === 'gauge'
          ? new Gauge(config)
          : new Histogram({ ...config, ...(def.buckets ? { buckets: [...def.buckets] } : {}) })
    const entry = { def, metric }
    this.#metrics.set(name, entry)
    return entry
  }

  #unknown(call: Call, name: string, labels: Labels): MetricDefinition {
    this.#problem(`${name}:unknown`, `metric ${name} is not in metric-definitions.ts`)
    return { name, kind: CALL_KIND[call], help: `Snapwarden metric ${name}.`, labelNames: Object.keys(labels) }
  }

  #labels(def: MetricDefinition, labels: Labels): Record<string, string> {
    const out: Record<string, string> = {}
    for (const [k, v] of Object.entries(labels)) {
      if (def.labelNames.includes(k)) out[k] = v
      else this.#problem(`${def.name}:label:${k}`, `metric ${def.name} has no label ${k} (labels: ${def.labelNames.join(', ')})`)
    }
    // Every label the definition (and docs/operations.md) promises is given on every call.
    for (const name of def.labelNames) {
      if (!(name in out)) this.#problem(`${def.name}:missing:${name}`, `metric ${def.name} recorded without its label ${name} (labels: ${def.labelNames.join(', ')})`)
    }
    return out
  }

  #problem(key: string, message: string): void {
    if (this.#strict) throw new Error(message)
    this.#warnOnce(key, {}, message)
  }

  #warnOnce(key: string, obj: Record<string, unknown>, msg: string): void {
    if (this.#warned.has(key)) return
    this.#warned.add(key)
    this.#logger.warn(obj, msg)
  }
}
