import assert from 'node:assert/strict'
import { test } from 'node:test'
import { PromMetrics } from '../../src/api/prom-metrics.ts'
import { parseRequestCounts } from './prom-requests.ts'

test("the daemon's request counters read back from its Prometheus text: service, method, route template, count", async () => {
  const m = new PromMetrics({ defaultMetrics: false, strict: true })
  m.inc('snapwarden_openstack_requests_total', { service: 'block-storage', method: 'GET', route: 'backups/{id}' })
  m.inc('snapwarden_openstack_requests_total', { service: 'block-storage', method: 'GET', route: 'backups/{id}' })
  m.inc('snapwarden_openstack_requests_total', { service: 'identity', method: 'POST', route: 'auth/tokens' })
  m.inc('snapwarden_cloud_api_calls_total', { method: 'GET', status: '200' })
  const rows = parseRequestCounts(await m.render())
  assert.deepEqual(
    rows.sort((a, b) => a.route.localeCompare(b.route)),
    [
      { service: 'identity', method: 'POST', route: 'auth/tokens', count: 1 },
      { service: 'block-storage', method: 'GET', route: 'backups/{id}', count: 2 },
    ],
  )
})
