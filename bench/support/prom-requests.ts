/**
 * Reads `snapwarden_openstack_requests_total{service,method,route}` from a daemon's `/metrics`
 * (Prometheus text format): the OpenStack client's own request counters, as rows.
 */
import type { RequestCount } from '../../src/openstack/core/request-counter.ts'

const METRIC = 'snapwarden_openstack_requests_total'

/** The metric's rows in a Prometheus text exposition. */
export function parseRequestCounts(text: string): RequestCount[] {
  const out: RequestCount[] = []
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${METRIC}{`)) continue
    const close = line.lastIndexOf('}')
    const labels: Record<string, string> = {}
    for (const m of line.slice(METRIC.length + 1, close).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[m[1] ?? ''] = (m[2] ?? '').replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c))
    }
    const count = Number(line.slice(close + 1).trim())
    out.push({ service: labels['service'] ?? '', method: labels['method'] ?? '', route: labels['route'] ?? '', count })
  }
  return out
}

/** GET `<base>/metrics` and its request counters. */
export async function scrapeRequestCounts(base: string): Promise<RequestCount[]> {
  const res = await fetch(`${base.replace(/\/$/, '')}/metrics`, { signal: AbortSignal.timeout(10_000) })
  if (!res.ok) throw new Error(`${base}/metrics answered ${res.status}`)
  return parseRequestCounts(await res.text())
}
