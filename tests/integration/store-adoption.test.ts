// Store.adoptBackups (what `adopt staffeln` writes) on SQLite and, when PG_URL is set, PostgreSQL
// (in a database of its own, so it runs beside store.test.ts, which recreates the public tables).
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import type { Store, TrackedBackup } from '../../src/domain/store-port.ts'
import { openStore } from '../../src/store/index.ts'
import { ownDatabase } from '../support/pg-database.ts'

const PG_URL = process.env.PG_URL
const T0 = Date.parse('2026-11-01T02:00:00.000Z')

interface Target {
  readonly name: string
  open(): Promise<{ url: string; cleanup: () => Promise<void> }>
}

const sqlite: Target = {
  name: 'sqlite',
  async open() {
    const dir = mkdtempSync(join(tmpdir(), 'swtest-adoptstore-'))
    return { url: `sqlite:${join(dir, 'snapwarden.sqlite')}`, cleanup: async () => rmSync(dir, { recursive: true, force: true }) }
  },
}

function postgres(url: string): Target {
  return {
    name: 'postgres',
    async open() {
      const db = await ownDatabase(url, 'adopt')
      return { url: db.url, cleanup: () => db.drop() }
    },
  }
}

const backup = (n: number, over: Partial<TrackedBackup> = {}): TrackedBackup => ({
  backupId: `adopted-${String(n).padStart(5, '0')}`,
  volumeId: `vol-${n % 7}`,
  serverId: 'server-1',
  projectId: 'project-a',
  kind: n % 3 === 0 ? 'full' : 'incremental',
  status: 'available',
  createdAt: new Date(T0 + n * 60_000),
  completedAt: new Date(T0 + n * 60_000),
  ...over,
})

for (const target of [sqlite, ...(PG_URL ? [postgres(PG_URL)] : [])]) {
  describe(`Store.adoptBackups (${target.name})`, () => {
    async function withStore(fn: (store: Store) => Promise<void>): Promise<void> {
      const { url, cleanup } = await target.open()
      const store = openStore({ url })
      try {
        await store.migrate()
        await fn(store)
      } finally {
        await store.close()
        await cleanup()
      }
    }

    test('inserts every new backup (more than one statement’s worth) and returns their ids', () =>
      withStore(async (store) => {
        const many = Array.from({ length: 1203 }, (_, i) => backup(i))
        const inserted = await store.adoptBackups(many)
        assert.deepEqual([...inserted].sort(), many.map((b) => b.backupId).sort())
        const rows = await store.listBackups()
        assert.equal(rows.length, 1203)
        assert.deepEqual(await store.getBackup('adopted-00007'), { ...backup(7) })
        assert.equal(await store.isTracked('adopted-01202'), true)
      }))

    test('adopting again inserts nothing and changes no existing row (tracked or closed)', () =>
      withStore(async (store) => {
        await store.recordBackup(backup(1, { status: 'creating', taskId: 'task-1', retentionSource: 'config' }))
        await store.adoptBackups([backup(2), backup(3)])
        await store.markBackupDeleted('adopted-00003', new Date(T0 + 999 * 60_000))
        const before = await store.listBackups({ includeDeleted: true })

        const inserted = await store.adoptBackups([backup(1), backup(2), backup(3, { status: 'error' }), backup(4)])

        assert.deepEqual(inserted, ['adopted-00004'])
        const after = await store.listBackups({ includeDeleted: true })
        assert.deepEqual(after.filter((b) => b.backupId !== 'adopted-00004'), before)
        assert.deepEqual(await store.adoptBackups([]), [])
      }))
  })
}
