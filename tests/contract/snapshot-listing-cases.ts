/**
 * What the snapshot run's listing rounds rely on (src/executor/window-rounds.ts): one
 * `snapshots/detail?metadata={"x-snapwarden-window": key}` listing, without volume_id, answers every
 * volume's window at once. Cinder honours the metadata filter from microversion 3.22 (SNAPSHOT_LIST_
 * METADATA_FILTER) for the member (own project) and for an admin with all_tenants (every project,
 * the member's snapshot included), whatever characters the key has (`/ : + [ ]`); a snapshot in
 * `creating` is listed by it as soon as its create is answered; and pages follow the next link with
 * the filter kept.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { Cleanup, createVolume, deleteCinder, type ContractTarget } from './contract-target.ts'
import { authenticate, call, rawRequest, waitStatus, type Session } from './wire.ts'

interface Case {
  readonly name: string
  run(): Promise<void>
}

interface Listed {
  readonly id: string
  readonly status: string
  readonly volume_id: string
  readonly metadata: Readonly<Record<string, string>>
  readonly 'os-extended-snapshot-attributes:project_id'?: string
}

const WINDOW_KEY = 'x-snapwarden-window'

/** Every page of a snapshots/detail listing (bounded), following the next links. */
async function listAll(s: Session, query: string, mv: string): Promise<Listed[]> {
  const out: Listed[] = []
  const first = await call(s, 'volume', 'GET', `/snapshots/detail?${query}`, { mv })
  assert.equal(first.status, 200, `snapshots/detail?${query} at ${mv}: ${first.text}`)
  let page = first
  for (let i = 0; i < 50; i++) {
    out.push(...(page.json.snapshots as Listed[]))
    const next = (page.json.snapshots_links as { rel: string; href: string }[] | undefined)?.find((l) => l.rel === 'next')?.href
    if (next === undefined) return out
    page = await rawRequest('GET', next, { token: s.token, headers: { 'openstack-api-version': `volume ${mv}` } })
    assert.equal(page.status, 200, page.text)
  }
  throw new Error('more than 50 pages')
}

export function snapshotListingCases(t: ContractTarget): Case[] {
  return [
    {
      name: 'snapshots/detail honours metadata={x-snapwarden-window: key} without volume_id at 3.22 and 3.70, for the member and for an admin with all_tenants, and lists a creating snapshot at once',
      run: async () => {
        const member = await authenticate(t.member)
        const admin = await authenticate(t.admin)
        const cleanup = new Cleanup()
        try {
          // A key like the planner's (schedule.ts), unique to this run of the case.
          const key = `daily/2026-03-29T03:00+02:00[Europe/Berlin]#${t.prefix}${randomUUID().slice(0, 8)}`
          const other = `${key}-other`
          const volA = await createVolume(t, member, cleanup, 'window-a')
          const volB = await createVolume(t, member, cleanup, 'window-b')
          const made: { id: string; vol: string; key: string | undefined }[] = []
          for (const [vol, k] of [[volA, key], [volB, key], [volA, other], [volB, undefined]] as const) {
            const metadata = k === undefined ? { unrelated: 'x' } : { [WINDOW_KEY]: k, 'x-snapwarden-policy': 'daily' }
            const r = await call(member, 'volume', 'POST', '/snapshots', { body: { snapshot: { volume_id: vol, name: `${t.prefix}window-${made.length}`, metadata } } })
            assert.equal(r.status, 202, r.text)
            const id = r.json.snapshot.id as string
            made.push({ id, vol, key: k })
            cleanup.add(`snapshot ${id}`, () => deleteCinder(t.poll, member, 'snapshots', id))
          }
          const inKey = made.filter((m) => m.key === key).map((m) => m.id).sort()
          const filter = `metadata=${encodeURIComponent(JSON.stringify({ [WINDOW_KEY]: key }))}`

          // Listed at once, whatever the status (the run's first round may come before it is available).
          const early = await listAll(member, filter, '3.70')
          assert.deepEqual(early.map((x) => x.id).sort(), inKey, `listed right after the creates: ${JSON.stringify(early.map((x) => [x.id, x.status]))}`)

          for (const id of made.map((m) => m.id)) await waitStatus(t.poll, member, 'volume', `/snapshots/${id}`, 'snapshot', 'available')
          for (const mv of ['3.22', '3.70']) {
            const mine = await listAll(member, filter, mv)
            assert.deepEqual(mine.map((x) => x.id).sort(), inKey, `member at ${mv}`)
            for (const x of mine) {
              assert.equal(x.metadata[WINDOW_KEY], key)
              assert.equal(x.status, 'available')
              assert.ok([volA, volB].includes(x.volume_id))
            }
            // The admin's own project has none of them; all_tenants lists the member's.
            const own = await listAll(admin, filter, mv)
            assert.deepEqual(own.map((x) => x.id), [], `admin without all_tenants at ${mv}`)
            const all = await listAll(admin, `all_tenants=1&${filter}`, mv)
            assert.deepEqual(all.map((x) => x.id).sort(), inKey, `admin all_tenants at ${mv}`)
            for (const x of all) assert.equal(x['os-extended-snapshot-attributes:project_id'], member.projectId)
            // One page at a time: the next link keeps the filter.
            const paged = await listAll(admin, `all_tenants=1&limit=1&${filter}`, mv)
            assert.deepEqual(paged.map((x) => x.id).sort(), inKey, `admin all_tenants, limit=1, at ${mv}`)
            const none = await listAll(admin, `all_tenants=1&metadata=${encodeURIComponent(JSON.stringify({ [WINDOW_KEY]: `${key}-none` }))}`, mv)
            assert.deepEqual(none, [], `no snapshot in an unknown window at ${mv}`)
          }
        } finally {
          await cleanup.run()
        }
      },
    },
  ]
}
