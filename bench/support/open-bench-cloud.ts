/** Our real client stack (connect → OpenStackCloud) against the simulator, with client-side request figures. */
import { OpenStackCloud } from '../../src/cloud/openstack-cloud.ts'
import type { CloudConfig } from '../../src/openstack/config/index.ts'
import { connect, type Connection } from '../../src/openstack/connection.ts'
import type { Row } from './bench-report.ts'

export interface BenchCloud {
  readonly cloud: OpenStackCloud
  readonly connection: Connection
  /** Requests the client finished (any outcome). */
  clientRequests(): number
  /** Requests that ended in a 4xx/5xx or without a status, by status or error code. */
  clientErrors(): Readonly<Record<string, number>>
  /** Client-side duration per `METHOD /path` (ids replaced): count, p50, p95, max. */
  latencyRows(): Row[]
  close(): Promise<void>
}

const ID = /\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\/[0-9a-f]{32}/g

function routeOf(method: string, url: string): string {
  const { pathname } = new URL(url)
  return `${method} ${pathname.replace(ID, '/{id}')}`
}

const at = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0

export async function openBenchCloud(config: CloudConfig): Promise<BenchCloud> {
  let requests = 0
  const errors: Record<string, number> = {}
  const durations = new Map<string, number[]>()
  const connection = await connect(config, {
    userAgent: 'snapwarden-bench',
    onRequest: (e) => {
      requests++
      if (e.status === undefined || e.status >= 400) {
        const k = e.status === undefined ? (e.errorCode ?? 'no status') : String(e.status)
        errors[k] = (errors[k] ?? 0) + 1
      }
      const key = routeOf(e.method, e.url)
      const list = durations.get(key)
      if (list) list.push(e.durationMs)
      else durations.set(key, [e.durationMs])
    },
  })
  return {
    cloud: new OpenStackCloud(connection),
    connection,
    clientRequests: () => requests,
    clientErrors: () => ({ ...errors }),
    latencyRows: () =>
      [...durations.entries()]
        .sort(([, a], [, b]) => b.length - a.length)
        .map(([key, list]): Row => {
          const s = [...list].sort((a, b) => a - b)
          return [key, `n=${s.length}  p50 ${at(s, 0.5).toFixed(0)} ms  p95 ${at(s, 0.95).toFixed(0)} ms  max ${(s[s.length - 1] ?? 0).toFixed(0)} ms`]
        }),
    close: () => connection.close(),
  }
}
