import { sql, type Kysely, type Migration } from 'kysely'

/**
 * Indexes for the two questions the task history now answers: "did this volume's backup succeed
 * after this plan was made?" (planTasks re-checks it) and "which finished rows are past
 * conductor.task_history?" (pruned at the end of a retention cycle). Forward only, re-runnable.
 */
export const taskHistory: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await sql`create index if not exists backup_tasks_volume_succeeded
      on backup_tasks (volume_id, started_at) where state = 'succeeded'`.execute(db)
    await db.schema.createIndex('backup_tasks_finished').ifNotExists().on('backup_tasks').column('finished_at').execute()
    await db.schema.createIndex('runs_started_at').ifNotExists().on('runs').column('started_at').execute()
  },
}
