import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import Database from 'better-sqlite3'
import { sqliteClaim } from './backup-task-repo.ts'
import { openStore } from './open-store.ts'

// A claim runs once per backup_workers tasks: reading every task another worker holds (or every row
// of the task history) each time made a cycle of n tasks cost O(n²). The query plan shows what it reads.
describe('SQLite claim: reads from the partial indexes, never the whole table', () => {
  let dir: string
  let file: string
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'snapwarden-claim-'))
    file = join(dir, 'store.db')
    const store = openStore({ url: `sqlite://${file}` })
    await store.migrate()
    await store.close()
  })
  after(() => rmSync(dir, { recursive: true, force: true }))

  const planOf = (sql: string, params: Record<string, unknown>): string[] => {
    const db = new Database(file, { readonly: true })
    try {
      return (db.prepare(`explain query plan ${sql}`).all(params) as { detail: string }[]).map((r) => r.detail)
    } finally {
      db.close()
    }
  }

  for (const plannedOnly of [false, true]) {
    test(`claim${plannedOnly ? ' (planned only)' : ''}: free tasks in claim order from backup_tasks_unowned, expired leases by a range of backup_tasks_held_lease`, () => {
      const plan = planOf(sqliteClaim(plannedOnly), { owner: 'w1', leaseEnd: 2, now: 1, limit: 16 })
      assert.ok(plan.includes('SCAN backup_tasks USING INDEX backup_tasks_unowned'), plan.join('\n'))
      assert.ok(plan.includes('SEARCH backup_tasks USING INDEX backup_tasks_held_lease (lease_expires_at<?)'), plan.join('\n'))
      assert.ok(plan.includes('SEARCH backup_tasks USING INDEX backup_tasks_held_lease (lease_expires_at=?)'), plan.join('\n'))
      assert.ok(!plan.some((line) => line === 'SCAN backup_tasks' || line.includes('USING INDEX backup_tasks_claimable')), plan.join('\n'))
    })
  }
})
