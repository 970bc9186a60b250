/**
 * The contract cases: the same wire-level checks against any cloud (the simulator, the devcloud).
 * They use plain fetch, not Snapwarden's client, and clean up what they create.
 */
import assert from 'node:assert/strict'
import { Cleanup, createVolume, deleteCinder, type ContractTarget } from './contract-target.ts'
import { backupCases } from './backup-cases.ts'
import { inUseCases } from './in-use-cases.ts'
import { listingCases } from './listing-cases.ts'
import { snapshotListingCases } from './snapshot-listing-cases.ts'
import { authenticate, call, rawRequest, waitStatus } from './wire.ts'

export type { ContractTarget } from './contract-target.ts'

export interface ContractCase {
  readonly name: string
  run(): Promise<void>
}

const MISSING = '00000000-0000-4000-8000-000000000000'

export function contractCases(t: ContractTarget): ContractCase[] {
  const c = (name: string, run: () => Promise<void>): ContractCase => ({ name, run })
  return [
    c('a password token is scoped, carries roles and a catalog with identity, volumev3, block-storage and compute', async () => {
      const admin = await authenticate(t.admin)
      const member = await authenticate(t.member)
      assert.ok(admin.token.length > 20)
      assert.ok(admin.roles.includes('admin'))
      assert.ok(member.roles.includes('member'))
      assert.ok(!member.roles.includes('admin'))
      assert.equal(member.body.token.project.name, t.member.projectName)
      assert.match(member.body.token.expires_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/)
      const types = member.body.token.catalog.map((x) => x.type)
      for (const type of ['identity', 'volumev3', 'block-storage', 'compute']) assert.ok(types.includes(type), type)
      assert.ok(member.volumeUrl.endsWith(`/v3/${member.projectId}`), member.volumeUrl)
      assert.ok(member.computeUrl.endsWith('/v2.1'), member.computeUrl)
      const bad = await rawRequest('GET', `${member.volumeUrl}/volumes/detail`, { token: 'not-a-token' })
      assert.equal(bad.status, 401)
      assert.deepEqual(Object.keys(bad.json.error).sort(), ['code', 'message', 'title'])
    }),

    c('version documents announce Cinder 3.0 to 3.70 and Nova 2.1 to 2.93, and microversions are echoed', async () => {
      const s = await authenticate(t.member)
      const root = await rawRequest('GET', s.volumeUrl.replace(/\/v3\/[^/]+$/, '/'))
      assert.equal(root.status, 300)
      assert.equal(root.json.versions[0].version, '3.70')
      assert.equal(root.json.versions[0].min_version, '3.0')
      const mv = await call(s, 'volume', 'GET', '/volumes/detail?limit=1', { mv: '3.43' })
      assert.equal(mv.status, 200)
      assert.equal(mv.headers.get('openstack-api-version'), 'volume 3.43')
      assert.match(mv.headers.get('x-openstack-request-id') ?? '', /^req-[0-9a-f-]{36}$/)
      const plain = await call(s, 'volume', 'GET', '/volumes/detail?limit=1')
      assert.equal(plain.headers.get('openstack-api-version'), 'volume 3.0')
      const tooNew = await call(s, 'volume', 'GET', '/volumes/detail', { mv: '3.99' })
      assert.equal(tooNew.status, 406)
      assert.equal(tooNew.json.computeFault.message, 'Version 3.99 is not supported by the API. Minimum is 3.0 and maximum is 3.70.')
      const nova = await rawRequest('GET', s.computeUrl + '/')
      assert.equal(nova.json.version.version, '2.93')
      assert.equal(nova.json.version.min_version, '2.1')
      const servers = await call(s, 'compute', 'GET', '/servers/detail?limit=1', { mv: '2.79' })
      assert.equal(servers.status, 200)
      assert.equal(servers.headers.get('openstack-api-version'), 'compute 2.79')
      assert.equal(servers.headers.get('x-openstack-nova-api-version'), '2.79')
    }),

    c('volume and snapshot metadata round-trip, list filters apply and limit pages follow the next link', async () => {
      const s = await authenticate(t.member)
      const cleanup = new Cleanup()
      try {
        const vol = await createVolume(t, s, cleanup, 'meta', { metadata: { a: '1' } })
        const merged = await call(s, 'volume', 'POST', `/volumes/${vol}/metadata`, { body: { metadata: { b: '2' } } })
        assert.deepEqual(merged.json.metadata, { a: '1', b: '2' })
        const delKey = await call(s, 'volume', 'DELETE', `/volumes/${vol}/metadata/a`)
        assert.equal(delKey.status, 200)
        const replaced = await call(s, 'volume', 'PUT', `/volumes/${vol}/metadata`, { body: { metadata: { c: '3' } } })
        assert.deepEqual(replaced.json.metadata, { c: '3' })
        const byMeta = await call(s, 'volume', 'GET', `/volumes/detail?metadata=${encodeURIComponent('{"c":"3"}')}&name=${t.prefix}meta`)
        assert.deepEqual(byMeta.json.volumes.map((v: { id: string }) => v.id), [vol])

        const snaps: string[] = []
        for (const [i, metadata] of [[0, { k: 'v' }], [1, {}]] as const) {
          const r = await call(s, 'volume', 'POST', '/snapshots', { body: { snapshot: { volume_id: vol, name: `${t.prefix}snap-${i}`, metadata } } })
          assert.equal(r.status, 202, r.text)
          assert.equal(r.json.snapshot.status, 'creating')
          snaps.push(r.json.snapshot.id)
          cleanup.add(`snapshot ${r.json.snapshot.id}`, () => deleteCinder(t.poll, s, 'snapshots', r.json.snapshot.id))
        }
        for (const id of snaps) await waitStatus(t.poll, s, 'volume', `/snapshots/${id}`, 'snapshot', 'available')
        const sm = await call(s, 'volume', 'POST', `/snapshots/${snaps[1]}/metadata`, { body: { metadata: { k: 'w' } } })
        assert.deepEqual(sm.json.metadata, { k: 'w' })

        const refused = await call(s, 'volume', 'DELETE', `/volumes/${vol}`)
        assert.equal(refused.status, 400)
        assert.match(refused.json.badRequest.message, /have snapshots/)

        const metaFilter = encodeURIComponent('{"k":"v"}')
        const filtered = await call(s, 'volume', 'GET', `/snapshots/detail?volume_id=${vol}&metadata=${metaFilter}`, { mv: '3.22' })
        assert.deepEqual(filtered.json.snapshots.map((x: { id: string }) => x.id), [snaps[0]])
        const detail = filtered.json.snapshots[0]
        assert.equal(detail['os-extended-snapshot-attributes:project_id'], s.projectId)
        const byStatus = await call(s, 'volume', 'GET', `/snapshots/detail?volume_id=${vol}&status=error`)
        assert.deepEqual(byStatus.json.snapshots, [])

        const seen: string[] = []
        let next: string | undefined = `${s.volumeUrl}/snapshots/detail?volume_id=${vol}&limit=1`
        for (let page = 0; next !== undefined && page < 5; page++) {
          const r = await rawRequest('GET', next, { token: s.token })
          assert.equal(r.status, 200)
          assert.ok(r.json.snapshots.length <= 1)
          seen.push(...r.json.snapshots.map((x: { id: string }) => x.id))
          next = r.json.snapshots_links?.find((l: { rel: string }) => l.rel === 'next')?.href
          if (next !== undefined) assert.match(next, /[?&]limit=1(&|$)/)
          if (next !== undefined) assert.match(next, /[?&]marker=[0-9a-f-]{36}$/)
        }
        assert.equal(next, undefined)
        assert.deepEqual([...seen].sort(), [...snaps].sort())
        assert.equal(seen.length, 2)
      } finally {
        await cleanup.run()
      }
    }),

    c('quota sets report limit, in_use and reserved with usage, and bare limits without', async () => {
      const s = await authenticate(t.member)
      const withUsage = await call(s, 'volume', 'GET', `/os-quota-sets/${s.projectId}?usage=true`)
      assert.equal(withUsage.status, 200)
      const q = withUsage.json.quota_set
      assert.equal(q.id, s.projectId)
      for (const k of ['volumes', 'snapshots', 'backups', 'gigabytes', 'backup_gigabytes']) {
        assert.deepEqual(Object.keys(q[k]).sort(), ['in_use', 'limit', 'reserved'], k)
        assert.equal(typeof q[k].limit, 'number')
      }
      const bare = await call(s, 'volume', 'GET', `/os-quota-sets/${s.projectId}`)
      assert.equal(typeof bare.json.quota_set.snapshots, 'number')
    }),

    c('all_tenants from a non-admin lists only its own project in Cinder and is forbidden by Nova', async () => {
      const member = await authenticate(t.member)
      const admin = await authenticate(t.admin)
      const cleanup = new Cleanup()
      try {
        const vol = await createVolume(t, member, cleanup, 'tenants')
        const mine = await call(member, 'volume', 'GET', '/volumes/detail?all_tenants=1')
        assert.equal(mine.status, 200)
        assert.ok(mine.json.volumes.some((v: { id: string }) => v.id === vol))
        for (const v of mine.json.volumes) assert.equal(v['os-vol-tenant-attr:tenant_id'], member.projectId)
        const all = await call(admin, 'volume', 'GET', `/volumes/detail?all_tenants=1&project_id=${member.projectId}`)
        assert.ok(all.json.volumes.some((v: { id: string }) => v.id === vol))
        const own = await call(admin, 'volume', 'GET', '/volumes/detail')
        assert.ok(!own.json.volumes.some((v: { id: string }) => v.id === vol))
        const nova = await call(member, 'compute', 'GET', '/servers/detail?all_tenants=1')
        assert.equal(nova.status, 403)
        assert.equal(nova.json.forbidden.message, "Policy doesn't allow os_compute_api:servers:detail:get_all_tenants to be performed.")
      } finally {
        await cleanup.run()
      }
    }),

    c('a missing snapshot answers 404 itemNotFound with the id in the message', async () => {
      const s = await authenticate(t.member)
      const r = await call(s, 'volume', 'GET', `/snapshots/${MISSING}`)
      assert.equal(r.status, 404)
      assert.deepEqual(r.json, { itemNotFound: { code: 404, message: `Snapshot ${MISSING} could not be found.` } })
      const server = await call(s, 'compute', 'GET', `/servers/${MISSING}`)
      assert.equal(server.status, 404)
      assert.equal(server.json.itemNotFound.message, `Instance ${MISSING} could not be found.`)
    }),

    ...inUseCases(t),
    ...backupCases(t),
    ...listingCases(t),
    ...snapshotListingCases(t),
  ]
}
