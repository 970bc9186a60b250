/**
 * The client's request counter on the real devcloud: every request of a connection is counted under
 * its service type and a route template relative to the catalog endpoint, also the next-page links
 * Nova writes itself, a 404, authentication and version discovery (what the devcloud benchmark and
 * `snapwarden_openstack_requests_total` count by).
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import * as backups from '../../src/openstack/blockstorage/v3/backups/index.ts'
import { parseFlavor } from '../../src/openstack/compute/v2/flavors/results.ts'
import { listDetailUrl } from '../../src/openstack/compute/v2/flavors/urls.ts'
import { loadCloudConfig } from '../../src/openstack/config/index.ts'
import { connect } from '../../src/openstack/connection.ts'
import { isHttpStatus } from '../../src/openstack/core/errors.ts'
import { paginate } from '../../src/openstack/core/pagination.ts'
import { RequestCounter } from '../../src/openstack/core/request-counter.ts'
import { assertDevcloudUp, DEVCLOUD_CLOUDS_YAML } from '../support/devcloud.ts'

test('every request to the devcloud is counted by service, method and route template, pages and errors included', async () => {
  await assertDevcloudUp()
  const counter = new RequestCounter()
  const conn = await connect(loadCloudConfig({ cloud: 'devcloud-admin', env: { OS_CLIENT_CONFIG_FILE: DEVCLOUD_CLOUDS_YAML } }), { onRequest: counter.observe })
  try {
    // Nova pages by its own `next` links: one flavor a page (the devcloud has two).
    let flavors = 0
    for await (const f of paginate(conn.compute, `${listDetailUrl(conn.compute)}?limit=1`, { itemsKey: 'flavors', parse: parseFlavor })) if (f.id) flavors++
    assert.ok(flavors >= 2, `the devcloud has ${flavors} flavor(s)`)
    const missing = '0b2a6f1e-9c8d-4e3f-a1b2-c3d4e5f60718'
    await assert.rejects(backups.get(conn.blockStorage, missing), (err: unknown) => isHttpStatus(err, 404))
    const rows = counter.rows()
    const count = (service: string, method: string, route: string): number => rows.find((r) => r.service === service && r.method === method && r.route === route)?.count ?? 0
    assert.equal(count('identity', 'POST', 'auth/tokens'), 1, JSON.stringify(rows))
    assert.equal(count('block-storage', 'GET', 'backups/{id}'), 1, JSON.stringify(rows))
    // Every page, the first and those from Nova's links, under one route.
    assert.ok(count('compute', 'GET', 'flavors/detail') >= flavors, JSON.stringify(rows))
    assert.ok(rows.some((r) => r.service === 'block-storage' && r.method === 'GET' && !r.route.startsWith('backups')), `Cinder's version discovery is counted: ${JSON.stringify(rows)}`)
    for (const r of rows) {
      assert.notEqual(r.service, 'unknown', JSON.stringify(r))
      assert.doesNotMatch(r.route, /[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}|\?/, JSON.stringify(r))
    }
    assert.equal(counter.total(), rows.reduce((a, r) => a + r.count, 0))
  } finally {
    await conn.close()
  }
})
