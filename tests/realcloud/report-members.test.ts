/**
 * Against the devcloud's real Keystone and Cinder: the report's recipients from a project's members
 * (role assignments, then each user's e-mail) and its backup quota with usage, read through our
 * client and adapter as the report cycle reads them.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, test } from 'node:test'
import { OpenStackCloud } from '../../src/cloud/openstack-cloud.ts'
import type { Connection } from '../../src/openstack/connection.ts'
import { assertDevcloudUp, openDevcloud } from '../support/devcloud.ts'

const ids = JSON.parse(readFileSync('/var/lib/devcloud/identity.json', 'utf8')) as { demo_project_id: string }
const suffix = Date.now().toString(36)

let admin: Connection
const users: string[] = []

before(async () => {
  await assertDevcloudUp()
  admin = await openDevcloud('devcloud-admin')
})

after(async () => {
  for (const id of users) await admin.identity.delete(admin.identity.url('users', id), { okCodes: [204, 404] })
  await admin.close()
})

async function createUser(name: string, email?: string, enabled = true): Promise<string> {
  const res = await admin.identity.post(
    admin.identity.url('users'),
    { user: { name, password: `swtest-R-${suffix}-pw`, enabled, ...(email ? { email } : {}) } },
    { okCodes: [201] },
  )
  const id = (res.body as { user: { id: string } }).user.id
  users.push(id)
  return id
}

async function grantMember(userId: string, projectId: string): Promise<void> {
  const roles = await admin.identity.get(admin.identity.url('roles') + '?name=member')
  const role = (roles.body as { roles: { id: string }[] }).roles[0]
  assert.ok(role, 'the devcloud has a member role')
  await admin.identity.put(admin.identity.url('projects', projectId, 'users', userId, 'roles', role.id), undefined, { okCodes: [204] })
}

test('project members with an e-mail are the report recipients; users without one, disabled or elsewhere are not', async () => {
  const cloud = new OpenStackCloud(admin)
  const withMail = await createUser(`swtest-R-${suffix}-alice`, `swtest-r-${suffix}-alice@example.org`)
  const noMail = await createUser(`swtest-R-${suffix}-nomail`)
  const disabled = await createUser(`swtest-R-${suffix}-off`, `swtest-r-${suffix}-off@example.org`, false)
  await createUser(`swtest-R-${suffix}-elsewhere`, `swtest-r-${suffix}-elsewhere@example.org`)
  for (const u of [withMail, noMail, disabled]) await grantMember(u, ids.demo_project_id)

  const emails = await cloud.projectMemberEmails(ids.demo_project_id)

  const ours = emails.filter((e) => e.includes(`swtest-r-${suffix}`))
  assert.deepEqual(ours, [`swtest-r-${suffix}-alice@example.org`])
})

test("the report's quota: backups and backup gigabytes with in use, reserved and limit", async () => {
  const cloud = new OpenStackCloud(admin)
  const q = await cloud.getQuota(ids.demo_project_id)
  for (const item of [q.backups, q.backupGigabytes]) {
    assert.ok(Number.isInteger(item.limit) && item.limit >= -1)
    assert.ok(Number.isInteger(item.inUse) && item.inUse >= 0)
    assert.ok(Number.isInteger(item.reserved) && item.reserved >= 0)
  }
})
