/**
 * Against the devcloud: an admin acting on another project's volume (--all-projects) creates the
 * snapshot with a token scoped to the volume's project, so it belongs to that project; without a
 * role there, it falls back to the admin project and says so.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, test } from 'node:test'
import { OpenStackCloud } from '../../src/cloud/openstack-cloud.ts'
import * as snapshots from '../../src/openstack/blockstorage/v3/snapshots/index.ts'
import * as volumes from '../../src/openstack/blockstorage/v3/volumes/index.ts'
import { loadCloudConfig } from '../../src/openstack/config/index.ts'
import { connect, type Connection } from '../../src/openstack/connection.ts'
import { isHttpStatus } from '../../src/openstack/core/errors.ts'
import { assertDevcloudUp, createTestVolume, DEVCLOUD_CLOUDS_YAML, openDevcloud, pollUntil, waitGone } from '../support/devcloud.ts'

const ids = JSON.parse(readFileSync('/var/lib/devcloud/identity.json', 'utf8')) as { demo_project_id: string; admin_user_id: string; admin_project_id: string }
const suffix = Date.now().toString(36)

let admin: Connection
let member: Connection
const created: { snapshots: string[]; volumes: string[] } = { snapshots: [], volumes: [] }

async function memberRoleId(): Promise<string> {
  const res = await admin.identity.get(admin.identity.url('roles') + '?name=member')
  const role = (res.body as { roles: { id: string }[] }).roles[0]
  assert.ok(role, 'the devcloud has a member role')
  return role.id
}

function roleUrl(roleId: string): string {
  return admin.identity.url('projects', ids.demo_project_id, 'users', ids.admin_user_id, 'roles', roleId)
}

async function adminCloud(fallbacks: string[]): Promise<OpenStackCloud> {
  const config = loadCloudConfig({ cloud: 'devcloud-admin', env: { OS_CLIENT_CONFIG_FILE: DEVCLOUD_CLOUDS_YAML } })
  const conn = await connect(config)
  return new OpenStackCloud(conn, (projectId) => connect(config.withProjectScope(projectId)), (projectId) => fallbacks.push(projectId))
}

before(async () => {
  await assertDevcloudUp()
  admin = await openDevcloud('devcloud-admin')
  member = await openDevcloud('devcloud-member')
})

after(async () => {
  for (const id of created.snapshots) {
    try {
      await snapshots.remove(admin.blockStorage, id)
      await waitGone(`snapshot ${id}`, () => snapshots.get(admin.blockStorage, id))
    } catch (err) {
      if (!isHttpStatus(err, 404)) throw err
    }
  }
  for (const id of created.volumes) await volumes.remove(admin.blockStorage, id).catch(() => undefined)
  try {
    await admin.identity.delete(roleUrl(await memberRoleId()), { okCodes: [204, 404] })
  } finally {
    await admin?.close()
    await member?.close()
  }
})

test("an admin's snapshot of another project's volume belongs to that project when the admin has a role there", async () => {
  const vol = await createTestVolume(member, `swtest-scope-${suffix}-a`)
  created.volumes.push(vol.id)
  const roleId = await memberRoleId()
  await admin.identity.put(roleUrl(roleId), undefined, { okCodes: [204] })
  const fallbacks: string[] = []
  const cloud = await adminCloud(fallbacks)
  try {
    const snap = await cloud.createSnapshot({ volumeId: vol.id, projectId: ids.demo_project_id, name: `swtest-scope-${suffix}-a`, metadata: { 'x-snapwarden-managed': 'true' }, force: true })
    created.snapshots.push(snap.id)
    const seen = await pollUntil(`snapshot ${snap.id}`, () => snapshots.get(member.blockStorage, snap.id), (s) => s.status !== 'creating')
    assert.equal(seen.status, 'available')
    // The member sees it in its own project: it was created there.
    const own: string[] = []
    for await (const s of snapshots.list(member.blockStorage, { volumeId: vol.id })) own.push(s.id)
    assert.deepEqual(own, [snap.id])
    assert.deepEqual(fallbacks, [])
  } finally {
    await cloud.closeScoped()
    await cloud.connection.close()
  }
})

test('without a role in the volume\'s project the snapshot is created in the admin project and the fallback is reported', async () => {
  const roleId = await memberRoleId()
  await admin.identity.delete(roleUrl(roleId), { okCodes: [204, 404] })
  const vol = await createTestVolume(member, `swtest-scope-${suffix}-b`)
  created.volumes.push(vol.id)
  const fallbacks: string[] = []
  const cloud = await adminCloud(fallbacks)
  try {
    const snap = await cloud.createSnapshot({ volumeId: vol.id, projectId: ids.demo_project_id, name: `swtest-scope-${suffix}-b`, metadata: {}, force: true })
    created.snapshots.push(snap.id)
    assert.deepEqual(fallbacks, [ids.demo_project_id])
    const seen = await pollUntil(`snapshot ${snap.id}`, () => snapshots.get(admin.blockStorage, snap.id), (s) => s.status !== 'creating')
    assert.equal(seen.projectId, ids.admin_project_id)
  } finally {
    await cloud.closeScoped()
    await cloud.connection.close()
  }
})
