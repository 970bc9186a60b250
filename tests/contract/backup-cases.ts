import assert from 'node:assert/strict'
import { Cleanup, createVolume, deleteCinder, type ContractTarget } from './contract-target.ts'
import { authenticate, call, waitGone, waitStatus, type Session } from './wire.ts'

interface Case {
  readonly name: string
  run(): Promise<void>
}

async function createBackup(t: ContractTarget, s: Session, cleanup: Cleanup, body: Record<string, unknown>, mv?: string): Promise<string> {
  const r = await call(s, 'volume', 'POST', '/backups', { mv, body: { backup: body } })
  assert.equal(r.status, 202, r.text)
  assert.deepEqual(Object.keys(r.json.backup).sort(), ['id', 'links', 'name'])
  const id = r.json.backup.id as string
  cleanup.add(`backup ${id}`, () => deleteCinder(t.poll, s, 'backups', id))
  await waitStatus(t.poll, s, 'volume', `/backups/${id}`, 'backup', 'available')
  return id
}

export function backupCases(t: ContractTarget): Case[] {
  return [
    {
      name: 'an incremental backup needs an earlier backup, and its parent cannot be deleted until the incremental is gone',
      run: async () => {
        const s = await authenticate(t.member)
        const cleanup = new Cleanup()
        try {
          const vol = await createVolume(t, s, cleanup, 'backup')
          const orphan = await call(s, 'volume', 'POST', '/backups', { body: { backup: { volume_id: vol, incremental: true, name: `${t.prefix}orphan` } } })
          assert.equal(orphan.status, 400)
          assert.deepEqual(orphan.json, { badRequest: { code: 400, message: 'Invalid backup: No backups available to do an incremental backup.' } })
          const early = await call(s, 'volume', 'POST', '/backups', { body: { backup: { volume_id: vol, metadata: { k: 'v' } } } })
          assert.equal(early.status, 400)
          assert.match(early.json.badRequest.message, /Additional properties are not allowed \('metadata' was unexpected\)$/)

          const full = await createBackup(t, s, cleanup, { volume_id: vol, name: `${t.prefix}full` })
          await waitStatus(t.poll, s, 'volume', `/volumes/${vol}`, 'volume', 'available')
          const incr = await createBackup(t, s, cleanup, { volume_id: vol, name: `${t.prefix}incr`, incremental: true, metadata: { k: 'v' } }, '3.43')
          await waitStatus(t.poll, s, 'volume', `/volumes/${vol}`, 'volume', 'available')

          const parent = (await call(s, 'volume', 'GET', `/backups/${full}`, { mv: '3.70' })).json.backup
          assert.equal(parent.is_incremental, false)
          assert.equal(parent.has_dependent_backups, true)
          const child = (await call(s, 'volume', 'GET', `/backups/${incr}`, { mv: '3.70' })).json.backup
          assert.equal(child.is_incremental, true)
          assert.deepEqual(child.metadata, { k: 'v' })
          assert.equal(child.volume_id, vol)
          const old = (await call(s, 'volume', 'GET', `/backups/${incr}`)).json.backup
          assert.equal('metadata' in old, false)
          const listed = await call(s, 'volume', 'GET', `/backups/detail?volume_id=${vol}`)
          assert.deepEqual(listed.json.backups.map((b: { id: string }) => b.id), [incr, full])

          const refused = await call(s, 'volume', 'DELETE', `/backups/${full}`)
          assert.equal(refused.status, 400)
          assert.deepEqual(refused.json, { badRequest: { code: 400, message: 'Invalid backup: Incremental backups exist for this backup.' } })
          const force = await call(s, 'volume', 'POST', `/backups/${incr}/action`, { body: { 'os-force_delete': {} } })
          assert.equal(force.status, 403)
          assert.equal(force.json.forbidden.message, "Policy doesn't allow volume_extension:backup_admin_actions:force_delete to be performed.")

          assert.equal((await call(s, 'volume', 'DELETE', `/backups/${incr}`)).status, 202)
          await waitGone(t.poll, s, `/backups/${incr}`)
          assert.equal((await call(s, 'volume', 'DELETE', `/backups/${full}`)).status, 202)
          await waitGone(t.poll, s, `/backups/${full}`)
        } finally {
          await cleanup.run()
        }
      },
    },
  ]
}
