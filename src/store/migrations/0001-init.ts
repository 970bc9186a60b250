import { sql, type Kysely, type Migration } from 'kysely'

/**
 * The initial schema. Every statement is `if not exists`, so re-running it on a database that
 * already has the tables changes nothing. Forward only: there is no `down`.
 */
export const init: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('backup_tasks')
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('cycle_id', 'text', (c) => c.notNull())
      .addColumn('project_id', 'text', (c) => c.notNull())
      .addColumn('server_id', 'text', (c) => c.notNull())
      .addColumn('server_name', 'text', (c) => c.notNull())
      .addColumn('volume_id', 'text', (c) => c.notNull())
      .addColumn('volume_name', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('backup_name', 'text')
      .addColumn('backup_id', 'text')
      .addColumn('parent_backup_id', 'text')
      .addColumn('planned_at', 'bigint', (c) => c.notNull())
      .addColumn('started_at', 'bigint')
      .addColumn('finished_at', 'bigint')
      .addColumn('deadline_at', 'bigint')
      .addColumn('owner', 'text')
      .addColumn('lease_expires_at', 'bigint')
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('error_code', 'text')
      .addColumn('error_message', 'text')
      .addColumn('reported', 'integer', (c) => c.notNull().defaultTo(0))
      .execute()
    // At most one open task per volume: planTasks inserts with `on conflict do nothing`.
    await sql`create unique index if not exists backup_tasks_one_open_per_volume
      on backup_tasks (volume_id) where state in ('planned', 'started')`.execute(db)
    await sql`create index if not exists backup_tasks_claimable
      on backup_tasks (planned_at) where state in ('planned', 'started')`.execute(db)
    await db.schema
      .createIndex('backup_tasks_report')
      .ifNotExists()
      .on('backup_tasks')
      .columns(['reported', 'project_id'])
      .execute()

    await db.schema
      .createTable('backups')
      .ifNotExists()
      .addColumn('backup_id', 'text', (c) => c.primaryKey())
      .addColumn('volume_id', 'text', (c) => c.notNull())
      .addColumn('server_id', 'text')
      .addColumn('project_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text')
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('parent_backup_id', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('completed_at', 'bigint')
      .addColumn('deleted_at', 'bigint')
      .addColumn('retention_source', 'text')
      .addColumn('task_id', 'text')
      .execute()
    await db.schema.createIndex('backups_volume').ifNotExists().on('backups').columns(['volume_id', 'created_at']).execute()
    await db.schema.createIndex('backups_project').ifNotExists().on('backups').columns(['project_id', 'created_at']).execute()

    await db.schema
      .createTable('leases')
      .ifNotExists()
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('owner', 'text', (c) => c.notNull())
      .addColumn('acquired_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute()

    await db.schema
      .createTable('runs')
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('started_at', 'bigint', (c) => c.notNull())
      .addColumn('finished_at', 'bigint')
      .addColumn('exit_status', 'integer')
      .addColumn('summary', 'text', (c) => c.notNull())
      .execute()
    await db.schema.createIndex('runs_started').ifNotExists().on('runs').columns(['kind', 'started_at']).execute()
  },
}
