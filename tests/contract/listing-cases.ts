/**
 * What polling by listing relies on (src/executor/poll-by-listing.ts, docs/design/poll-by-listing.md):
 * `backups/detail` lists newest first (created_at desc) with `created_at`, for the member and for
 * an admin with `all_tenants=1` (which includes the member's backup); the `status` filter is
 * honoured at the default and the highest microversion (a member at >= 3.33 may use it); a
 * backup being deleted is listed by `status=deleting` until it is gone; a listing may start at a
 * backup as marker, and an unknown marker is refused.
 */
import assert from 'node:assert/strict'
import { Cleanup, createVolume, deleteCinder, type ContractTarget } from './contract-target.ts'
import { authenticate, call, waitGone, waitStatus } from './wire.ts'

interface Case {
  readonly name: string
  run(): Promise<void>
}

interface Listed {
  readonly id: string
  readonly status: string
  readonly created_at: string
}

const newestFirst = (list: readonly Listed[]): boolean =>
  list.every((b, i) => i === 0 || Date.parse(list[i - 1]!.created_at) >= Date.parse(b.created_at))

export function listingCases(t: ContractTarget): Case[] {
  return [
    {
      name: 'backups/detail lists newest first (member, and admin with all_tenants), honours status=available|creating|deleting at 3.0 and 3.70, and lists a deleting backup until it is gone',
      run: async () => {
        const member = await authenticate(t.member)
        const admin = await authenticate(t.admin)
        const cleanup = new Cleanup()
        try {
          const vol = await createVolume(t, member, cleanup, 'listing')
          const made = await call(member, 'volume', 'POST', '/backups', { body: { backup: { volume_id: vol, name: `${t.prefix}listing` } } })
          assert.equal(made.status, 202, made.text)
          const id = made.json.backup.id as string
          cleanup.add(`backup ${id}`, () => deleteCinder(t.poll, member, 'backups', id))
          // Listed at once (the row exists when the create is answered), first, with its created_at.
          const mine = (await call(member, 'volume', 'GET', '/backups/detail')).json.backups as Listed[]
          assert.equal(mine[0]?.id, id, JSON.stringify(mine.slice(0, 3)))
          assert.ok(Number.isFinite(Date.parse(mine[0]!.created_at)))
          assert.ok(newestFirst(mine), 'member listing is newest first')
          for (const mv of ['3.0', '3.70']) {
            const all = await call(admin, 'volume', 'GET', '/backups/detail?all_tenants=1', { mv })
            assert.equal(all.status, 200, all.text)
            const listed = all.json.backups as Listed[]
            assert.ok(listed.some((b) => b.id === id), `admin all_tenants listing at ${mv} has the member's backup`)
            assert.ok(newestFirst(listed), `admin all_tenants listing at ${mv} is newest first`)
          }
          await waitStatus(t.poll, member, 'volume', `/backups/${id}`, 'backup', 'available')
          await waitStatus(t.poll, member, 'volume', `/volumes/${vol}`, 'volume', 'available')
          for (const mv of ['3.0', '3.70']) {
            const ids = async (status: string): Promise<string[]> => {
              const r = await call(member, 'volume', 'GET', `/backups/detail?status=${status}`, { mv })
              assert.equal(r.status, 200, `status=${status} at ${mv}: ${r.text}`)
              const list = r.json.backups as Listed[]
              assert.ok(list.every((b) => b.status === status), `status=${status} at ${mv} lists only ${status}: ${JSON.stringify(list.map((b) => b.status))}`)
              return list.map((b) => b.id)
            }
            assert.ok((await ids('available')).includes(id), `status=available at ${mv}`)
            assert.ok(!(await ids('creating')).includes(id), `status=creating at ${mv}`)
            const adminDeleting = await call(admin, 'volume', 'GET', '/backups/detail?all_tenants=1&status=deleting', { mv })
            assert.ok((adminDeleting.json.backups as Listed[]).every((b) => b.status === 'deleting'), `admin status=deleting at ${mv}`)
          }
          const del = await call(member, 'volume', 'DELETE', `/backups/${id}`)
          assert.equal(del.status, 202, del.text)
          // The status is `deleting` when the delete is answered: a listing that no longer shows it
          // as deleting means it is gone (or failed), never that it is still there and fine.
          const deleting = (await call(member, 'volume', 'GET', '/backups/detail?status=deleting')).json.backups as Listed[]
          if (!deleting.some((b) => b.id === id)) {
            const after = await call(member, 'volume', 'GET', `/backups/${id}`)
            assert.ok(after.status === 404 || after.json.backup.status === 'error', `not listed as deleting, yet ${after.status} ${after.text}`)
          }
          await waitGone(t.poll, member, `/backups/${id}`)
          const gone = (await call(member, 'volume', 'GET', '/backups/detail?status=deleting')).json.backups as Listed[]
          assert.ok(!gone.some((b) => b.id === id))
        } finally {
          await cleanup.run()
        }
      },
    },
    {
      name: 'backups/detail read from a marker that is a backup (not a next link) lists the backups made before it, newest first (admin, all_tenants); a marker Cinder does not know is refused with 404 (or 400)',
      run: async () => {
        // A poll round over more backups than a page reads its pages in parallel, each from one of
        // the watched backups as marker (src/cloud/recent-backups.ts), and reads page after page
        // from the newest when a marker is refused.
        const member = await authenticate(t.member)
        const admin = await authenticate(t.admin)
        const cleanup = new Cleanup()
        try {
          const made: string[] = []
          for (const n of ['marker-a', 'marker-b']) {
            const vol = await createVolume(t, member, cleanup, n)
            const b = await call(member, 'volume', 'POST', '/backups', { body: { backup: { volume_id: vol, name: `${t.prefix}${n}` } } })
            assert.equal(b.status, 202, b.text)
            const id = b.json.backup.id as string
            made.push(id)
            cleanup.add(`backup ${id}`, () => deleteCinder(t.poll, member, 'backups', id))
            await waitStatus(t.poll, member, 'volume', `/backups/${id}`, 'backup', 'available')
          }
          const [older, newer] = made as [string, string]
          for (const mv of ['3.0', '3.70']) {
            const from = await call(admin, 'volume', 'GET', `/backups/detail?all_tenants=1&marker=${newer}`, { mv })
            assert.equal(from.status, 200, from.text)
            const listed = from.json.backups as Listed[]
            assert.ok(!listed.some((b) => b.id === newer), `at ${mv} the marker itself is not listed`)
            assert.ok(listed.some((b) => b.id === older), `at ${mv} a backup made before the marker is listed`)
            assert.ok(newestFirst(listed), `at ${mv} newest first from the marker`)
            const unknown = await call(admin, 'volume', 'GET', '/backups/detail?all_tenants=1&marker=00000000-0000-4000-8000-000000000000', { mv })
            assert.ok(unknown.status === 404 || unknown.status === 400, `an unknown marker at ${mv}: ${unknown.status} ${unknown.text}`)
          }
        } finally {
          await cleanup.run()
        }
      },
    },
  ]
}
