/**
 * The Staffeln migration (docs/migrate-from-staffeln.md) on the devcloud: backups as Staffeln makes
 * them (in the demo project, no marks, Staffeln's names) recorded in a Staffeln database on the real
 * MariaDB; `snapwarden adopt staffeln` brings them into the store that `snapwarden api` reads; then
 * Cinder's `backup:delete` rule (Staffeln's form, installed with ../shared/devcloud/cinder-policy.sh)
 * refuses the member's delete, and `backup plan` (as the member, against real Cinder) expires the older
 * one by the same retention and keeps the newer as the last good copy. Before the adoption the API
 * answers `True` and retention leaves them alone. Everything is removed in `after`; the rule is
 * cleared in `finally`.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, describe, test } from 'node:test'
import { writeFileSync } from 'node:fs'
import * as backups from '../../src/openstack/blockstorage/v3/backups/index.ts'
import type { Connection } from '../../src/openstack/connection.ts'
import { isHttpStatus } from '../../src/openstack/core/errors.ts'
import { openStore } from '../../src/store/index.ts'
import { ensureBackupRoom } from '../support/backup-devcloud.ts'
import { assertDevcloudUp, createTestVolume, devcloudEnv, openDevcloud, pollUntil, removeVolumeAndSnapshots, waitGone } from '../support/devcloud.ts'
import { createStaffelnMariadb, type StaffelnMariadb } from '../support/devcloud-mariadb.ts'
import { devcloudIds } from '../support/devcloud-projects.ts'
import { startApiProcess, type ApiProcess } from '../support/protection-api-process.ts'
import { describeRun, runCli, tempDir, writeConfig } from '../support/run-cli.ts'
import { STAFFELN_DDL, staffelnInserts } from '../support/staffeln-db.ts'

const DEVCLOUD = process.env.DEVCLOUD_DIR ?? fileURLToPath(new URL('../../../shared/devcloud', import.meta.url))
const POLICY = join(DEVCLOUD, 'cinder-policy.sh')
const PREFIX = `swtest-adopt-${randomUUID().slice(0, 8)}`
/** Staffeln's instance id for the rows (the volume needs no server for this). */
const INSTANCE = randomUUID()

function cinderPolicy(...args: string[]): void {
  execFileSync('bash', [POLICY, ...args], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 120_000 })
}

/** A backup as Staffeln creates it (`<instance>_<volume>_<timestamp>`, no metadata), once available. */
async function staffelnBackup(conn: Connection, volumeId: string, n: number): Promise<backups.Backup> {
  const created = await backups.create(conn.blockStorage, { volumeId, name: `${PREFIX}-web_${PREFIX}-vol_${n}` })
  return pollUntil(`backup ${created.id} available`, () => backups.get(conn.blockStorage, created.id), (b) => {
    if (b.status === 'error') throw new Error(`backup ${created.id} went to error`)
    return b.status === 'available'
  }, 300_000)
}

interface PlanJson {
  retention: { volumeId: string; keep: { id: string; reasons: string[] }[]; remove: { id: string; reasons: string[] }[] }[]
}

describe('migrating from Staffeln on the devcloud: adopt, then Cinder refuses and retention expires', { timeout: 1_200_000 }, () => {
  const dir = tempDir('swtest-adopt-cinder-')
  const storeUrl = `sqlite:${join(dir.dir, 'snapwarden.sqlite')}`
  let member: Connection
  let admin: Connection
  let staffeln: StaffelnMariadb | undefined
  let api: ApiProcess | undefined
  let volumeId: string | undefined
  const made: string[] = []

  before(async () => {
    await assertDevcloudUp()
    member = await openDevcloud('devcloud-member')
    admin = await openDevcloud('devcloud-admin')
    const demo = devcloudIds().demo_project_id
    await ensureBackupRoom(admin, demo, 2)
    volumeId = (await createTestVolume(member, `${PREFIX}-vol`)).id
    for (const n of [1, 2]) made.push((await staffelnBackup(member, volumeId, n)).id)
    const rows = await Promise.all(made.map((id) => backups.get(member.blockStorage, id)))
    staffeln = await createStaffelnMariadb([
      ...STAFFELN_DDL.mysql,
      ...staffelnInserts({
        backups: rows.map((b) => ({ backupId: b.id, projectId: demo, volumeId: volumeId!, instanceId: INSTANCE, backupCompleted: 1, incremental: false, createdAt: b.createdAt })),
        queue: [],
      }),
    ])
    const store = openStore({ url: storeUrl })
    await store.migrate()
    await store.close()
    api = await startApiProcess(['api', '--db', storeUrl, '--bind-address', '127.0.0.1:0'], { dir: dir.dir })
  })

  after(async () => {
    const problems: string[] = []
    await api?.stop()
    for (const id of [...made].reverse()) {
      try {
        const b = await backups.get(admin.blockStorage, id)
        if (b.status !== 'deleting') await backups.remove(admin.blockStorage, id)
        await waitGone(`backup ${id}`, () => backups.get(admin.blockStorage, id), 300_000)
      } catch (err) {
        if (!isHttpStatus(err, 404)) problems.push(`backup ${id}: ${(err as Error).message}`)
      }
    }
    if (volumeId) await removeVolumeAndSnapshots(admin, volumeId).catch((err: Error) => problems.push(err.message))
    await staffeln?.drop().catch((err: Error) => problems.push(`MariaDB: ${err.message}`))
    dir.remove()
    if (problems.length) throw new Error(`cleanup: ${problems.join('; ')}`)
  })

  const ask = async (id: string): Promise<string> => (await fetch(`${api!.url}/v1/backup?backup_id=${id}`, { method: 'POST' })).text()
  const plan = async (): Promise<PlanJson['retention'][number]> => {
    // retention_time 1s: both backups are past it; only the newer is kept, as the last good copy.
    const config = writeConfig(dir.dir, { conductor: { retention_time: '1s' } })
    const r = await runCli(['--config', config, 'backup', 'plan', '--json', '--db', storeUrl], { dir: dir.dir, env: devcloudEnv('devcloud-member'), timeoutMs: 180_000 })
    assert.equal(r.code, 0, describeRun(r))
    const v = (JSON.parse(r.stdout) as PlanJson).retention.find((x) => x.volumeId === volumeId)
    assert.ok(v, `the plan has the volume ${volumeId}:\n${r.stdout}`)
    return v
  }

  test("before the adoption Snapwarden does not know Staffeln's backups: the API answers True, retention leaves them", async () => {
    for (const id of made) assert.equal(await ask(id), 'True')
    const v = await plan()
    assert.deepEqual(v.remove, [])
    for (const id of made) assert.ok(v.keep.find((k) => k.id === id)?.reasons.some((r) => r.includes('not made by Snapwarden or Staffeln')), JSON.stringify(v))
  })

  test('adopted: the API answers False, Cinder refuses the member\'s delete (403), and retention expires the older backup', async () => {
    const r = await runCli(['adopt', 'staffeln', '--from', staffeln!.url, '--db', storeUrl, '--json'], { dir: dir.dir })
    assert.equal(r.code, 0, describeRun(r))
    assert.ok(!`${r.stdout}${r.stderr}`.includes(staffeln!.password), 'the password is not shown')
    assert.deepEqual((JSON.parse(r.stdout) as { adopted: { backupId: string }[] }).adopted.map((b) => b.backupId), made)
    for (const id of made) assert.equal(await ask(id), 'False')

    const file = join(dir.dir, 'policy.yaml')
    writeFileSync(file, `"backup:delete": "rule:admin_api or (project_id:%(project_id)s and ${api!.url}/v1/backup?backup_id=%(id)s)"\n`)
    cinderPolicy('set', file)
    try {
      await assert.rejects(backups.remove(member.blockStorage, made[0]!), (err: unknown) => isHttpStatus(err, 403))
      assert.equal((await backups.get(member.blockStorage, made[0]!)).status, 'available', 'still there')
    } finally {
      cinderPolicy('clear')
    }

    const v = await plan()
    const [older, newer] = made
    assert.deepEqual(v.remove.map((x) => x.id), [older])
    assert.match(v.remove[0]!.reasons.join('; '), /expired/)
    assert.ok(v.keep.find((k) => k.id === newer)?.reasons.some((x) => x.includes('last good copy')), JSON.stringify(v))
  })
})
