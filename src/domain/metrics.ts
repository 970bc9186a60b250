/** Metrics port: counters and gauges by name and labels. cli/ wires a prom-client registry. */
export type Labels = Readonly<Record<string, string>>

export interface Metrics {
  inc(name: string, labels?: Labels, value?: number): void
  set(name: string, value: number, labels?: Labels): void
  observe(name: string, value: number, labels?: Labels): void
}

export const noopMetrics: Metrics = { inc() {}, set() {}, observe() {} }
