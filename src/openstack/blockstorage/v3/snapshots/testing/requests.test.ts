import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { BadRequestError } from '../../../../core/errors.ts'
import { TEST_TOKEN, collect, useFakeService } from '../../../../testhelper/fake-server.ts'
import * as snapshots from '../index.ts'
import { BAD_REQUEST, CREATE_RESPONSE, LIST_PAGE_1, LIST_PAGE_2, PROJECT_ID } from './fixtures.ts'

const base = `/v3/${PROJECT_ID}`
const fake = useFakeService(base, {
  serviceType: 'block-storage',
  microversionName: 'volume',
  microversion: '3.70',
})

describe('snapshots', () => {
  test('create POSTs volume_id, name, metadata and force and parses the creating snapshot', async () => {
    fake.server.on(`POST ${base}/snapshots`, { status: 202, body: CREATE_RESPONSE })
    const s = await snapshots.create(fake.client, {
      volumeId: '805a2a60-195d-46a7-86b6-9fa84190109b',
      name: 'swtest-a-snap',
      description: 'fixture snap',
      metadata: { swtest: 'fixture' },
      force: true,
    })
    const [call] = fake.server.calls(`POST ${base}/snapshots`)
    assert.equal(call?.headers['x-auth-token'], TEST_TOKEN)
    assert.equal(call?.headers['openstack-api-version'], 'volume 3.70')
    assert.deepEqual(call?.body, {
      snapshot: {
        volume_id: '805a2a60-195d-46a7-86b6-9fa84190109b',
        name: 'swtest-a-snap',
        description: 'fixture snap',
        metadata: { swtest: 'fixture' },
        force: true,
      },
    })
    assert.equal(s.id, '86e62dec-3d2a-474c-9eda-3db73f3b0048')
    assert.equal(s.status, 'creating')
    assert.equal(s.createdAt.toISOString(), '2026-11-22T02:00:07.032Z')
    assert.equal(s.updatedAt, undefined)
  })

  test('list filters by volume and follows snapshots_links', async () => {
    const next = (LIST_PAGE_1.snapshots_links[0]?.href ?? '').replace('http://127.0.0.1:8776', fake.server.url)
    fake.server.on(`GET ${base}/snapshots/detail`, (req) =>
      req.query.has('marker') ? { body: LIST_PAGE_2 } : { body: { ...LIST_PAGE_1, snapshots_links: [{ rel: 'next', href: next }] } },
    )
    const got = await collect(snapshots.list(fake.client, { allTenants: true, volumeId: 'v1', status: 'available' }))
    assert.equal(got.length, 1)
    assert.equal(got[0]?.projectId, PROJECT_ID)
    assert.equal(got[0]?.progress, '100%')
    const calls = fake.server.calls(`GET ${base}/snapshots/detail`)
    assert.equal(calls.length, 2)
    assert.equal(calls[0]?.query.get('volume_id'), 'v1')
    assert.equal(calls[0]?.query.get('status'), 'available')
  })

  test("a listing's snapshots share one metadata object (frozen) per run of equal metadata, and keep every field", async () => {
    const marks = { 'x-snapwarden-window': 'daily-2026-11-22', 'x-snapwarden-policy': 'daily', 'x-snapwarden-managed': 'true' }
    const snap = (id: string, metadata: Record<string, string>) => ({
      id,
      name: `snap-${id}`,
      description: 'd',
      status: 'available',
      size: 1,
      volume_id: `vol-${id}`,
      'os-extended-snapshot-attributes:project_id': PROJECT_ID,
      'os-extended-snapshot-attributes:progress': '100%',
      metadata,
      created_at: '2026-11-22T02:00:07.032000',
      updated_at: null,
    })
    fake.server.on(`GET ${base}/snapshots/detail`, {
      body: { snapshots: [snap('a', { ...marks }), snap('b', { ...marks }), snap('c', { other: 'x' }), snap('d', { ...marks })], snapshots_links: [] },
    })
    for (const got of [await collect(snapshots.list(fake.client, { allTenants: true })), (await collect(snapshots.listPages(fake.client, { allTenants: true }))).flat()]) {
      assert.deepEqual(
        got.map((s) => [s.id, s.name, s.volumeId, s.projectId, s.status, s.progress, s.createdAt.toISOString(), s.metadata]),
        [
          ['a', 'snap-a', 'vol-a', PROJECT_ID, 'available', '100%', '2026-11-22T02:00:07.032Z', marks],
          ['b', 'snap-b', 'vol-b', PROJECT_ID, 'available', '100%', '2026-11-22T02:00:07.032Z', marks],
          ['c', 'snap-c', 'vol-c', PROJECT_ID, 'available', '100%', '2026-11-22T02:00:07.032Z', { other: 'x' }],
          ['d', 'snap-d', 'vol-d', PROJECT_ID, 'available', '100%', '2026-11-22T02:00:07.032Z', marks],
        ],
      )
      assert.equal(got[1]?.metadata, got[0]?.metadata)
      assert.ok(Object.isFrozen(got[0]?.metadata))
      assert.notEqual(got[2]?.metadata, got[0]?.metadata)
    }
  })

  test('forceDelete and resetStatus POST the admin actions', async () => {
    fake.server.on(`POST ${base}/snapshots/s1/action`, { status: 202 })
    await snapshots.forceDelete(fake.client, 's1')
    await snapshots.resetStatus(fake.client, 's1', 'error')
    const bodies = fake.server.calls(`POST ${base}/snapshots/s1/action`).map((c) => c.body)
    assert.deepEqual(bodies, [{ 'os-force_delete': {} }, { 'os-reset_status': { status: 'error' } }])
  })

  test('a refused create throws BadRequestError with Cinder message', async () => {
    fake.server.on(`POST ${base}/snapshots`, { status: 400, body: BAD_REQUEST })
    const err = await snapshots.create(fake.client, { volumeId: 'nope' }).catch((e: unknown) => e)
    assert.ok(err instanceof BadRequestError)
    assert.equal(err.code, 'OS_BAD_REQUEST')
    assert.match(err.apiMessage ?? '', /Invalid input for field\/attribute volume_id/)
    assert.deepEqual(err.expected, [202])
  })

  test('remove sends DELETE and accepts 202 only', async () => {
    fake.server.on(`DELETE ${base}/snapshots/s2`, { status: 202 })
    await snapshots.remove(fake.client, 's2')
    fake.server.on(`DELETE ${base}/snapshots/s3`, { status: 200 })
    await assert.rejects(snapshots.remove(fake.client, 's3'), { code: 'OS_HTTP', status: 200 })
  })
})
