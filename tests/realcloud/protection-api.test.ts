// The protection API behind the devcloud's real Cinder: `cinder-policy.sh set` installs a
// `backup:delete` rule like Staffeln's README example pointing at `snapwarden api` (a child
// process reading a SQLite store this test fills), then the demo project's member tries deletes.
// The rule is cleared in `finally` (the devcloud is shared by every test).
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, describe, test } from 'node:test'
import Database from 'better-sqlite3'
import * as backups from '../../src/openstack/blockstorage/v3/backups/index.ts'
import type { Connection } from '../../src/openstack/connection.ts'
import { isHttpStatus } from '../../src/openstack/core/errors.ts'
import { openStore } from '../../src/store/index.ts'
import { ensureBackupRoom } from '../support/backup-devcloud.ts'
import { assertDevcloudUp, createTestVolume, openDevcloud, pollUntil, removeVolumeAndSnapshots, waitGone } from '../support/devcloud.ts'
import { devcloudIds } from '../support/devcloud-projects.ts'
import { startApiProcess, type ApiProcess } from '../support/protection-api-process.ts'

const DEVCLOUD = process.env.DEVCLOUD_DIR ?? fileURLToPath(new URL('../../../shared/devcloud', import.meta.url))
const POLICY = join(DEVCLOUD, 'cinder-policy.sh')
const PREFIX = `swtest-protect-${randomUUID().slice(0, 8)}`

function cinderPolicy(...args: string[]): void {
  execFileSync('bash', [POLICY, ...args], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 120_000 })
}

/** A backup of the volume, waited for until available. */
async function backupOf(conn: Connection, volumeId: string, name: string, metadata?: Record<string, string>): Promise<string> {
  const created = await backups.create(conn.blockStorage, { volumeId, name, ...(metadata ? { metadata } : {}) })
  await pollUntil(`backup ${created.id} available`, () => backups.get(conn.blockStorage, created.id), (b) => {
    if (b.status === 'error') throw new Error(`backup ${created.id} went to error`)
    return b.status === 'available'
  }, 300_000)
  return created.id
}

/** The status of a member's DELETE: 202 when Cinder accepted it, else the HTTP error's status. */
async function deleteStatus(conn: Connection, id: string): Promise<number> {
  try {
    await backups.remove(conn.blockStorage, id)
    return 202
  } catch (err) {
    for (const status of [400, 403, 404, 409, 500]) if (isHttpStatus(err, status)) return status
    throw err
  }
}

describe("the protection API behind Cinder's backup:delete policy", { timeout: 1_200_000 }, () => {
  let member: Connection
  let admin: Connection
  let dir = ''
  let dbPath = ''
  let api: ApiProcess | undefined
  let volumeId: string | undefined
  const ids: Record<'automated' | 'manual' | 'held', string> = { automated: '', manual: '', held: '' }

  before(async () => {
    await assertDevcloudUp()
    member = await openDevcloud('devcloud-member')
    admin = await openDevcloud('devcloud-admin')
    await ensureBackupRoom(admin, devcloudIds().demo_project_id, 3)
    dir = mkdtempSync(join(tmpdir(), 'swtest-protect-'))
    dbPath = join(dir, 'snapwarden.sqlite')
    const v = await createTestVolume(member, `${PREFIX}-vol`)
    volumeId = v.id
    ids.automated = await backupOf(member, v.id, `${PREFIX}-automated`)
    ids.manual = await backupOf(member, v.id, `${PREFIX}-manual`)
    ids.held = await backupOf(member, v.id, `${PREFIX}-held`, { 'x-snapwarden-hold': 'true' })
    // The store Snapwarden's conductor would have written: the automated backup is tracked.
    const store = openStore({ url: `sqlite:${dbPath}` })
    await store.migrate()
    await store.recordBackup({ backupId: ids.automated, volumeId: v.id, projectId: devcloudIds().demo_project_id, kind: 'full', status: 'available', createdAt: new Date() })
    await store.close()
    api = await startApiProcess(['api', '--db', `sqlite:${dbPath}`, '--bind-address', '127.0.0.1:0'], { dir })
    const rule = `rule:admin_api or (project_id:%(project_id)s and ${api.url}/v1/backup?backup_id=%(id)s)`
    const file = join(dir, 'policy.yaml')
    writeFileSync(file, `"backup:delete": "${rule}"\n`)
    cinderPolicy('set', file)
  })

  after(async () => {
    const problems: string[] = []
    try {
      cinderPolicy('clear')
    } catch (err) {
      problems.push(`cinder-policy.sh clear: ${(err as Error).message}`)
    }
    await api?.stop()
    for (const id of Object.values(ids).filter(Boolean).reverse()) {
      try {
        const b = await backups.get(admin.blockStorage, id)
        if (b.status !== 'deleting') await backups.remove(admin.blockStorage, id)
        await waitGone(`backup ${id}`, () => backups.get(admin.blockStorage, id), 300_000)
      } catch (err) {
        if (!isHttpStatus(err, 404)) problems.push(`backup ${id}: ${(err as Error).message}`)
      }
    }
    if (volumeId) await removeVolumeAndSnapshots(admin, volumeId).catch((err: Error) => problems.push(err.message))
    rmSync(dir, { recursive: true, force: true })
    if (problems.length) throw new Error(`cleanup: ${problems.join('; ')}`)
  })

  test('a member cannot delete an automated (tracked) backup: 403, and it is still there', async () => {
    assert.equal(await deleteStatus(member, ids.automated), 403)
    assert.equal((await backups.get(member.blockStorage, ids.automated)).status, 'available')
  })

  test('a member cannot delete a backup under a hold (x-snapwarden-hold=true read from the policy target): 403', async () => {
    assert.equal(await deleteStatus(member, ids.held), 403)
    assert.equal((await backups.get(member.blockStorage, ids.held)).status, 'available')
  })

  test("with the API's store unreadable a member's delete of a manual backup is refused; readable again, it goes through", async () => {
    const db = new Database(dbPath)
    try {
      db.exec('alter table backups rename to backups_unreadable')
      assert.equal(await deleteStatus(member, ids.manual), 403)
      assert.equal((await backups.get(member.blockStorage, ids.manual)).status, 'available')
    } finally {
      db.exec('alter table backups_unreadable rename to backups')
      db.close()
    }
    assert.match(api!.stderr(), /"code":"STORE_UNAVAILABLE"/, 'the API logged why it answered False')
    assert.equal(await deleteStatus(member, ids.manual), 202)
    await waitGone(`backup ${ids.manual}`, () => backups.get(member.blockStorage, ids.manual), 300_000)
    ids.manual = ''
  })

  test('an admin can delete an automated backup (rule:admin_api comes first in the rule)', async () => {
    assert.equal(await deleteStatus(admin, ids.automated), 202)
    await waitGone(`backup ${ids.automated}`, () => backups.get(admin.blockStorage, ids.automated), 300_000)
    ids.automated = ''
  })
})
