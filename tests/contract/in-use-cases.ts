import assert from 'node:assert/strict'
import { Cleanup, createVolume, deleteCinder, deleteServer, type ContractTarget } from './contract-target.ts'
import { authenticate, call, waitStatus, type Session } from './wire.ts'

interface Case {
  readonly name: string
  run(): Promise<void>
}

/** Creates a server, attaches the volume and waits until the volume is in-use. */
async function attachToNewServer(t: ContractTarget, s: Session, cleanup: Cleanup, vol: string): Promise<string> {
  const created = await call(s, 'compute', 'POST', '/servers', {
    mv: '2.79',
    body: { server: { name: `${t.prefix}srv`, flavorRef: t.server.flavorRef, imageRef: t.server.imageRef, networks: 'none' } },
  })
  assert.equal(created.status, 202, created.text)
  const id = created.json.server.id as string
  cleanup.add(`server ${id}`, () => deleteServer(t.poll, s, id))
  await waitStatus(t.poll, s, 'compute', `/servers/${id}`, 'server', 'ACTIVE')
  const att = await call(s, 'compute', 'POST', `/servers/${id}/os-volume_attachments`, { mv: '2.79', body: { volumeAttachment: { volumeId: vol } } })
  assert.equal(att.status, 200, att.text)
  assert.equal(att.json.volumeAttachment.volumeId, vol)
  await waitStatus(t.poll, s, 'volume', `/volumes/${vol}`, 'volume', 'in-use')
  return id
}

export function inUseCases(t: ContractTarget): Case[] {
  return [
    {
      name: 'an in-use volume needs force to be snapshotted before 3.66 and not from 3.66, and non-admins cannot force-delete or reset snapshots',
      run: async () => {
        const s = await authenticate(t.member)
        const cleanup = new Cleanup()
        try {
          const vol = await createVolume(t, s, cleanup, 'inuse')
          const server = await attachToNewServer(t, s, cleanup, vol)
          const shown = await call(s, 'compute', 'GET', `/servers/${server}`, { mv: '2.79' })
          assert.deepEqual(shown.json.server['os-extended-volumes:volumes_attached'], [{ id: vol, delete_on_termination: false }])
          const volume = await call(s, 'volume', 'GET', `/volumes/${vol}`)
          assert.equal(volume.json.volume.attachments[0].server_id, server)

          const snapBody = (extra: Record<string, unknown>) => ({ snapshot: { volume_id: vol, name: `${t.prefix}inuse-snap`, ...extra } })
          const noForce = await call(s, 'volume', 'POST', '/snapshots', { body: snapBody({}) })
          assert.equal(noForce.status, 400)
          assert.equal(noForce.json.badRequest.message, `Invalid volume: Volume ${vol} status must be available, but current status is: in-use.`)
          const falseForce = await call(s, 'volume', 'POST', '/snapshots', { mv: '3.70', body: snapBody({ force: false }) })
          assert.equal(falseForce.status, 400)
          assert.match(falseForce.json.badRequest.message, /^Since microversion 3.66 the 'force' flag is invalid/)
          const ids: string[] = []
          for (const [mv, extra] of [['3.0', { force: true }], ['3.70', {}]] as const) {
            const r = await call(s, 'volume', 'POST', '/snapshots', { mv, body: snapBody(extra) })
            assert.equal(r.status, 202, r.text)
            ids.push(r.json.snapshot.id)
            cleanup.add(`snapshot ${r.json.snapshot.id}`, () => deleteCinder(t.poll, s, 'snapshots', r.json.snapshot.id))
          }
          const backup = await call(s, 'volume', 'POST', '/backups', { body: { backup: { volume_id: vol, name: `${t.prefix}inuse-backup` } } })
          assert.equal(backup.status, 400)
          assert.equal(backup.json.badRequest.message, 'Invalid volume: Backing up an in-use volume must use the force flag.')

          const first = ids[0] as string
          await waitStatus(t.poll, s, 'volume', `/snapshots/${first}`, 'snapshot', 'available')
          const force = await call(s, 'volume', 'POST', `/snapshots/${first}/action`, { body: { 'os-force_delete': {} } })
          assert.equal(force.status, 403)
          assert.deepEqual(force.json, { forbidden: { code: 403, message: "Policy doesn't allow volume_extension:snapshot_admin_actions:force_delete to be performed." } })
          const reset = await call(s, 'volume', 'POST', `/snapshots/${first}/action`, { body: { 'os-reset_status': { status: 'error' } } })
          assert.equal(reset.status, 403)
          assert.equal(reset.json.forbidden.message, "Policy doesn't allow volume_extension:snapshot_admin_actions:reset_status to be performed.")
        } finally {
          await cleanup.run()
        }
      },
    },
  ]
}
