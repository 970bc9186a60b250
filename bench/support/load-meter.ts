/** CPU time and event-loop utilisation of this process over a stretch of work. */
import { performance } from 'node:perf_hooks'
import type { Row } from './bench-report.ts'

export interface Load {
  readonly cpuMs: number
  /** Share of the time the event loop was busy, 0..1. */
  readonly eventLoopUtilization: number
}

export function startLoadMeter(): { stop(): Load } {
  const cpu = process.cpuUsage()
  const elu = performance.eventLoopUtilization()
  return {
    stop() {
      const used = process.cpuUsage(cpu)
      return { cpuMs: (used.user + used.system) / 1000, eventLoopUtilization: performance.eventLoopUtilization(elu).utilization }
    },
  }
}

const pct = (x: number): string => `${(100 * x).toFixed(0)}%`

export function loadRows(client: Load, wallMs: number, simulatorCpuMs: number): Row[] {
  return [
    ['client CPU (share of wall time)', `${(client.cpuMs / 1000).toFixed(1)} s (${pct(client.cpuMs / wallMs)})`],
    ['client event-loop utilisation', pct(client.eventLoopUtilization)],
    ['simulator CPU (share of wall time)', `${(simulatorCpuMs / 1000).toFixed(1)} s (${pct(simulatorCpuMs / wallMs)})`],
  ]
}
