/** On what a run was measured: CPU model (/proc/cpuinfo), cores, memory, load, Node version, date. */
import { readFileSync } from 'node:fs'
import { availableParallelism, cpus, loadavg, platform, release, totalmem } from 'node:os'

export interface Machine {
  readonly date: string
  readonly cpuModel: string
  readonly cores: number
  readonly memoryBytes: number
  readonly node: string
  readonly os: string
  /** How the benchmarks' clients ran: compiled from dist/ (as the installed command), or TypeScript through tsx (BENCH_TS=1). Absent in older runs: tsx. */
  readonly runs?: 'compiled' | 'tsx'
  /** 1-minute load average when the run started and ended. */
  readonly loadAtStart: number
  loadAtEnd?: number
}

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('model name'))
    if (line !== undefined) return line.slice(line.indexOf(':') + 1).trim()
  } catch {
    // not Linux: fall back to what Node reports
  }
  return cpus()[0]?.model ?? 'unknown'
}

export function describeMachine(now: Date): Machine {
  return {
    date: now.toISOString(),
    cpuModel: cpuModel(),
    cores: availableParallelism(),
    memoryBytes: totalmem(),
    node: process.version,
    os: `${platform()} ${release()}`,
    runs: process.env['BENCH_TS'] === '1' ? 'tsx' : 'compiled',
    loadAtStart: loadavg()[0] ?? 0,
  }
}
