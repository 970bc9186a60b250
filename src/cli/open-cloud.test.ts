import assert from 'node:assert/strict'
import { test } from 'node:test'
import { PromMetrics } from '../api/prom-metrics.ts'
import { silentLogger } from '../domain/logger.ts'
import { openCloud } from './open-cloud.ts'

test('the opened cloud counts every OpenStack request in snapwarden_openstack_requests_total by service, method and route template', async () => {
  const metrics = new PromMetrics({ defaultMetrics: false, strict: true })
  const opened = await openCloud({ kind: 'simulator' }, { env: {}, logger: silentLogger, metrics: () => metrics })
  try {
    const missing = '0b2a6f1e-9c8d-4e3f-a1b2-c3d4e5f60718'
    await opened.cloud.getBackup(missing)
    await opened.cloud.getBackup(missing)
    const text = await metrics.render()
    const rows = text.split('\n').filter((l) => l.startsWith('snapwarden_openstack_requests_total{'))
    assert.ok(rows.includes('snapwarden_openstack_requests_total{service="identity",method="POST",route="auth/tokens"} 1'), rows.join('\n'))
    assert.ok(rows.includes('snapwarden_openstack_requests_total{service="block-storage",method="GET",route="backups/{id}"} 2'), rows.join('\n'))
    // Version discovery is Cinder's too; no row carries an id or a query.
    assert.ok(rows.some((l) => l.includes('service="block-storage"') && !l.includes('backups')), rows.join('\n'))
    assert.ok(rows.every((l) => !/[0-9a-f]{32}|[0-9a-f-]{36}|\?/.test(l)), rows.join('\n'))
  } finally {
    await opened.close()
  }
})
