// The protection API's read path over a real store: SQLite (a temp file) always, PostgreSQL when
// PG_URL is set (REQUIRE_PG=1 without it fails, as in the store suite). PostgreSQL runs in its own
// schema, so the store suite's table drops in the default schema do not touch it.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { createStoreSchema, dropStoreSchema } from '../../tests/support/pg-schema.ts'
import { openStore } from './open-store.ts'
import { openTrackedBackupReader } from './tracked-backup-reader.ts'

const PG_URL = process.env.PG_URL
const SCHEMA = `swtest_reader_${process.pid}`
const id = (i: number) => `e0000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`

if (process.env.REQUIRE_PG === '1') {
  test('PostgreSQL is available when REQUIRE_PG=1', () => assert.ok(PG_URL, 'REQUIRE_PG=1 but PG_URL is not set'))
}

/** Backups 0–99 tracked, 100–109 tracked then deleted (SQLite is migrated here; PostgreSQL's schema already is). */
async function fill(url: string): Promise<void> {
  const store = openStore({ url })
  try {
    if (url.startsWith('sqlite:')) await store.migrate()
    for (let i = 0; i < 110; i++) {
      await store.recordBackup({ backupId: id(i), volumeId: `vol-${i % 7}`, projectId: 'p-1', kind: 'full', status: 'available', createdAt: new Date(i) })
      if (i >= 100) await store.markBackupDeleted(id(i), new Date(1000 + i))
    }
  } finally {
    await store.close()
  }
}

const cases: { name: string; url: () => Promise<string>; cleanup: () => Promise<void> }[] = []
{
  let dir = ''
  cases.push({
    name: 'sqlite',
    async url() {
      dir = mkdtempSync(join(tmpdir(), 'swtest-reader-'))
      return `sqlite:${join(dir, 'store.sqlite')}`
    },
    async cleanup() {
      rmSync(dir, { recursive: true, force: true })
    },
  })
}
if (PG_URL) {
  cases.push({
    name: 'postgres',
    url: () => createStoreSchema(PG_URL, SCHEMA),
    cleanup: () => dropStoreSchema(PG_URL, SCHEMA),
  })
}

for (const c of cases) {
  describe(`tracked-backup reader (${c.name})`, () => {
    let url = ''
    before(async () => {
      url = await c.url()
      await fill(url)
    })
    after(() => c.cleanup())

    test('tracked backups are tracked; deleted and unknown ones are not, also when many lookups arrive at once', async () => {
      const reader = openTrackedBackupReader(url)
      try {
        const ids = Array.from({ length: 300 }, (_, i) => i % 150) // repeats, tracked, deleted, unknown
        const answers = await Promise.all(ids.map((i) => reader.isTracked(id(i))))
        assert.deepEqual(answers, ids.map((i) => i < 100))
      } finally {
        await reader.close()
      }
    })

    test('a backup recorded after the reader opened is tracked on the next lookup (no cache)', async () => {
      const reader = openTrackedBackupReader(url)
      try {
        assert.equal(await reader.isTracked(id(500)), false)
        const store = openStore({ url })
        await store.recordBackup({ backupId: id(500), volumeId: 'vol-x', projectId: 'p-1', kind: 'full', status: 'creating', createdAt: new Date(0) })
        await store.close()
        assert.equal(await reader.isTracked(id(500)), true)
      } finally {
        await reader.close()
      }
    })
  })
}

test('every lookup of a PostgreSQL batch fails when the database cannot be reached, none answers "not tracked"', async () => {
  const reader = openTrackedBackupReader('postgres://u:pw-not-logged@127.0.0.1:9/none', { timeoutMs: 1000 })
  try {
    const results = await Promise.allSettled([reader.isTracked(id(1)), reader.isTracked(id(2)), reader.isTracked(id(3))])
    for (const r of results) {
      assert.equal(r.status, 'rejected')
      assert.equal((r.reason as { code?: string }).code, 'STORE_UNAVAILABLE')
      assert.doesNotMatch(String((r.reason as Error).message), /pw-not-logged/)
    }
  } finally {
    await reader.close()
  }
})
