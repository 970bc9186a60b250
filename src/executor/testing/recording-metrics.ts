import type { Labels, Metrics } from '../../domain/metrics.ts'

export interface RecordingMetrics extends Metrics {
  /** The counter's total for exactly these labels (0 when never incremented). */
  count(name: string, labels?: Labels): number
}

const keyOf = (name: string, labels: Labels = {}): string =>
  `${name}{${Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(',')}}`

/** Metrics that remember counters, for assertions. */
export function recordingMetrics(): RecordingMetrics {
  const counters = new Map<string, number>()
  return {
    inc(name, labels, value = 1) {
      const k = keyOf(name, labels)
      counters.set(k, (counters.get(k) ?? 0) + value)
    },
    set() {},
    observe() {},
    count: (name, labels) => counters.get(keyOf(name, labels)) ?? 0,
  }
}
