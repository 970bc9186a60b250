import { sql, type Kysely, type Migration } from 'kysely'

/**
 * Indexes that let a claim read only the rows it takes: open tasks nobody holds, in claim order
 * (planned_at, id), and held open tasks by lease expiry (those whose lease ran out). Without them a
 * claim of `backup_workers` tasks walked every open task held by someone, so a cycle of n tasks
 * cost O(n²). Forward only, re-runnable.
 */
export const claimIndexes: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await sql`create index if not exists backup_tasks_unowned
      on backup_tasks (planned_at, id) where state in ('planned', 'started') and owner is null`.execute(db)
    await sql`create index if not exists backup_tasks_held_lease
      on backup_tasks (lease_expires_at) where state in ('planned', 'started') and owner is not null`.execute(db)
  },
}
