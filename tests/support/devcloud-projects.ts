/**
 * Two projects on the devcloud for `--all-projects` tests: the admin acts on the demo project's
 * volumes with a token scoped there, which needs a role in it. The role is granted for the test and
 * taken back afterwards only if the test granted it.
 */
import { readFileSync } from 'node:fs'
import * as backups from '../../src/openstack/blockstorage/v3/backups/index.ts'
import type { Connection } from '../../src/openstack/connection.ts'
import { isHttpStatus } from '../../src/openstack/core/errors.ts'
import { IDENTITY_JSON, waitFor, waitGone } from './backup-devcloud.ts'

export interface DevcloudIds {
  readonly admin_project_id: string
  readonly demo_project_id: string
  readonly admin_user_id: string
}

export function devcloudIds(): DevcloudIds {
  return JSON.parse(readFileSync(IDENTITY_JSON, 'utf8')) as DevcloudIds
}

/** Gives the admin user the member role in the demo project; returns how to undo it (a no-op when it was there already). */
export async function grantAdminInDemo(admin: Connection): Promise<() => Promise<void>> {
  const ids = devcloudIds()
  const res = await admin.identity.get(`${admin.identity.url('roles')}?name=member`)
  const roleId = (res.body as { roles: { id: string }[] }).roles[0]?.id
  if (!roleId) throw new Error('the devcloud has no member role')
  const url = admin.identity.url('projects', ids.demo_project_id, 'users', ids.admin_user_id, 'roles', roleId)
  const has = await admin.identity.request('HEAD', url, undefined, { okCodes: [204, 404] })
  if (has.status !== 404) return async () => {}
  await admin.identity.put(url, undefined, { okCodes: [204] })
  return async () => {
    await admin.identity.delete(url, { okCodes: [204, 404] })
  }
}

/**
 * Deletes every backup of the volume in any project, newest first, each waited for (admin). For
 * clean-up after a test that may have made a backup where it should not have (another project).
 */
export async function removeBackupsOfVolume(admin: Connection, volumeId: string): Promise<string[]> {
  const problems: string[] = []
  const list: backups.Backup[] = []
  for await (const b of backups.list(admin.blockStorage, { volumeId, allTenants: true })) if (b.volumeId === volumeId) list.push(b)
  list.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
  for (const b of list) {
    try {
      const cur = await waitFor(`backup ${b.id}`, () => backups.get(admin.blockStorage, b.id), (x) => x.status !== 'creating' && x.status !== 'restoring')
      if (cur.status !== 'deleting') await backups.remove(admin.blockStorage, b.id)
      await waitGone(`backup ${b.id}`, () => backups.get(admin.blockStorage, b.id))
    } catch (err) {
      if (!isHttpStatus(err, 404)) problems.push(`backup ${b.id}: ${(err as Error).message}`)
    }
  }
  return problems
}
