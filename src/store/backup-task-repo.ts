import { randomUUID } from 'node:crypto'
import type SqliteDatabase from 'better-sqlite3'
import { sql, type Insertable, type Kysely, type Selectable } from 'kysely'
import type { ErrorInfo } from '../domain/errors.ts'
import {
  OPEN_TASK_STATES,
  TASK_OUTCOMES,
  type BackupTask,
  type BackupTaskStore,
  type ClaimOptions,
  type FinishTaskEntry,
  type NewBackupTask,
  type PlanTasksOptions,
  type PlanTasksResult,
  type TaskOutcome,
} from '../domain/store-port.ts'
import { StoreConflictError } from './errors.ts'
import { sqliteUpdateBackupStatus, updateBackupStatusIn } from './backup-catalog-repo.ts'
import { toBackupTask } from './row-mappers.ts'
import { inList, setList, statement } from './sqlite-statements.ts'
import type { BackupTasksTable, Database } from './schema.ts'
import type { StoreContext } from './store-context.ts'

/** The open states as an SQL list (constants of our own code). */
const OPEN_IN = inList(OPEN_TASK_STATES)
/** Rows per INSERT: 22 columns × 400 stays under SQLite's and PostgreSQL's parameter limits. */
const INSERT_CHUNK = 400
/** Error messages are stored up to this length. */
const MAX_ERROR_MESSAGE = 2000

export class BackupTaskRepo implements BackupTaskStore {
  readonly #ctx: StoreContext

  constructor(ctx: StoreContext) {
    this.#ctx = ctx
  }

  async planTasks(tasks: readonly NewBackupTask[], opts: PlanTasksOptions = {}): Promise<PlanTasksResult> {
    const { db, dialect, sqlite } = this.#ctx
    const minIntervalMs = Math.max(0, opts.minIntervalMs ?? 0)
    const rows = tasks.map(toInsertRow)
    const chunks: (typeof rows)[] = []
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) chunks.push(rows.slice(i, i + INSERT_CHUNK))
    // The newest succeeded backup start per volume of a chunk.
    const lastSucceeded = (q: Kysely<Database>, chunk: typeof rows) =>
      q
        .selectFrom('backup_tasks')
        .select((eb) => ['volume_id', eb.fn.max('started_at').as('last_started')])
        // A literal, so that SQLite can use the partial index backup_tasks_volume_succeeded.
        .where(sql<boolean>`"state" = 'succeeded'`)
        .where('volume_id', 'in', [...new Set(chunk.map((r) => r.volume_id))])
        .groupBy('volume_id')
    // Rows whose volume was not backed up after its plan (within the min interval).
    const fresh = (chunk: typeof rows, last: readonly { volume_id: string; last_started: unknown }[]) => {
      const lastStarted = new Map(last.map((r) => [r.volume_id, r.last_started === null ? undefined : Number(r.last_started)]))
      return chunk.filter((r) => {
        const started = lastStarted.get(r.volume_id)
        return started === undefined || started < Number(r.planned_at) - minIntervalMs
      })
    }
    // Any unique violation (an open task for the volume, a known id) skips that row only.
    const insert = (q: Kysely<Database>, chunk: typeof rows) => q.insertInto('backup_tasks').values(chunk).onConflict((oc) => oc.doNothing()).returningAll()
    // Read-then-insert while no other writer can change backup_tasks: a task another run finishes
    // meanwhile either finished before our read (seen) or is still open at our insert (skipped).
    let got: Selectable<BackupTasksTable>[]
    if (sqlite) {
      // As in claimTasks: synchronously inside BEGIN IMMEDIATE, on Kysely's one connection.
      // Statements prepared once per chunk size (a full chunk's is re-used), not built by Kysely per chunk.
      const columnList = INSERT_COLUMNS.map((c) => `"${c}"`).join(', ')
      const rowMarks = `(${INSERT_COLUMNS.map(() => '?').join(', ')})`
      const marks = (n: number, one: string) => Array.from({ length: n }, () => one).join(', ')
      got = await db.connection().execute(async () =>
        sqlite
          .transaction(() =>
            chunks.flatMap((chunk) => {
              const volumeIds = [...new Set(chunk.map((r) => r.volume_id))]
              const last = statement(sqlite, `select "volume_id", max("started_at") as "last_started" from "backup_tasks" where "state" = 'succeeded' and "volume_id" in (${marks(volumeIds.length, '?')}) group by "volume_id"`)
              const keep = fresh(chunk, last.all(...volumeIds) as { volume_id: string; last_started: unknown }[])
              if (keep.length === 0) return []
              // Only the ids come back: a row inserted is the row given (no trigger or default changes
              // it), read back as 22 columns × thousands of rows it cost more than the insert.
              const ins = statement(sqlite, `insert into "backup_tasks" (${columnList}) values ${marks(keep.length, rowMarks)} on conflict do nothing returning "id"`)
              const ids = new Set((ins.all(...keep.flatMap((r) => INSERT_COLUMNS.map((c) => r[c] ?? null))) as { id: string }[]).map((r) => r.id))
              return keep.filter((r) => ids.delete(r.id)).map(asInsertedRow)
            }),
          )
          .immediate(),
      )
    } else {
      if (dialect !== 'postgres') throw new TypeError(`no exclusive planning for dialect ${dialect}`)
      got = await db.transaction().execute(async (trx) => {
        // SHARE ROW EXCLUSIVE: readers go on; writers (finishers, claimers) and other planners wait.
        await sql`lock table backup_tasks in share row exclusive mode`.execute(trx)
        const out: Selectable<BackupTasksTable>[] = []
        for (const chunk of chunks) {
          const keep = fresh(chunk, await lastSucceeded(trx, chunk).execute())
          if (keep.length) out.push(...(await insert(trx, keep).execute()))
        }
        return out
      })
    }
    const insertedById = new Map(got.map((row) => [row.id, toBackupTask(row)]))
    // Input order; a row whose id appears twice in the input counts once.
    const inserted: BackupTask[] = []
    const skippedVolumeIds: string[] = []
    for (const r of rows) {
      const task = insertedById.get(r.id)
      if (task) {
        inserted.push(task)
        insertedById.delete(r.id)
      } else skippedVolumeIds.push(r.volume_id)
    }
    return { inserted, skippedVolumeIds }
  }

  async recordOverQuota(task: NewBackupTask, now: Date, error: ErrorInfo): Promise<BackupTask> {
    const row = await this.#ctx.db
      .insertInto('backup_tasks')
      .values({ ...toInsertRow(task), state: 'over_quota', finished_at: now.getTime(), ...errorColumns(error) })
      .returningAll()
      .executeTakeFirstOrThrow()
    return toBackupTask(row)
  }

  async claimTasks(owner: string, limit: number, now: Date, leaseMs: number, opts: ClaimOptions = {}): Promise<BackupTask[]> {
    if (limit <= 0) return []
    const { db, dialect, sqlite } = this.#ctx
    const nowMs = now.getTime()
    let rows: Selectable<BackupTasksTable>[]
    if (sqlite) {
      // SQLite: select-and-update inside BEGIN IMMEDIATE (the write lock is taken before reading),
      // run synchronously so nothing of this process interleaves while the lock is held. Holding
      // Kysely's connection first means no Kysely transaction is open on it meanwhile.
      const stmt = statement(sqlite, sqliteClaim(opts.plannedOnly === true))
      rows = await db.connection().execute(async () =>
        sqlite.transaction(() => stmt.all({ owner, leaseEnd: nowMs + leaseMs, now: nowMs, limit }) as Selectable<BackupTasksTable>[]).immediate(),
      )
    } else {
      if (dialect !== 'postgres') throw new TypeError(`no claim for dialect ${dialect}`)
      // PostgreSQL: rows another claimer is taking right now are skipped, not waited for; a row
      // re-claimed and committed meanwhile fails the re-checked WHERE and is left out.
      const pick = db
        .selectFrom('backup_tasks')
        .select('id')
        .where('state', 'in', opts.plannedOnly ? (['planned'] as const) : OPEN_TASK_STATES)
        .where((eb) => eb.or([eb('owner', 'is', null), eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<=', nowMs)]))
        .orderBy('planned_at')
        .orderBy('id')
        .limit(limit)
        .forUpdate()
        .skipLocked()
      rows = await db
        .updateTable('backup_tasks')
        .set((eb) => ({ owner, lease_expires_at: nowMs + leaseMs, attempts: eb('attempts', '+', 1) }))
        .where('id', 'in', pick)
        .returningAll()
        .execute()
    }
    return sortTasks(rows).map(toBackupTask)
  }

  async recordIntent(taskId: string, owner: string, backupName: string): Promise<BackupTask> {
    return this.#updateOwned(taskId, owner, { backup_name: backupName })
  }

  async markStarted(taskId: string, owner: string, backupId: string, now: Date, deadlineAt?: Date): Promise<void> {
    await this.#writeOwned(taskId, owner, {
      state: 'started',
      backup_id: backupId,
      started_at: now.getTime(),
      ...(deadlineAt ? { deadline_at: deadlineAt.getTime() } : {}),
    })
  }

  async leaveInFlight(taskId: string, owner: string): Promise<BackupTask> {
    const row = await this.#ctx.db
      .updateTable('backup_tasks')
      .set((eb) => ({ lease_expires_at: eb.ref('deadline_at') }))
      .where('id', '=', taskId)
      .where('owner', '=', owner)
      .where('state', '=', 'started')
      .where('deadline_at', 'is not', null)
      .returningAll()
      .executeTakeFirst()
    if (row) return toBackupTask(row)
    throw await this.#conflict(taskId, owner)
  }

  async settleInFlight(taskId: string, backupId: string, outcome: TaskOutcome, now: Date, error?: ErrorInfo): Promise<boolean> {
    if (!TASK_OUTCOMES.includes(outcome)) throw new TypeError(`not a task outcome: ${String(outcome)}`)
    const nowMs = now.getTime()
    const res = await this.#ctx.db
      .updateTable('backup_tasks')
      .set({ state: outcome, finished_at: nowMs, lease_expires_at: null, ...errorColumns(error) })
      .where('id', '=', taskId)
      .where('state', '=', 'started')
      .where('backup_id', '=', backupId)
      // Not while a claimer holds it beyond its in-flight lease (that claimer follows or cancels it).
      .where((eb) =>
        eb.or([
          eb('owner', 'is', null),
          eb('lease_expires_at', 'is', null),
          eb('lease_expires_at', '<=', nowMs),
          eb.and([eb('deadline_at', 'is not', null), eb('lease_expires_at', '<=', eb.ref('deadline_at'))]),
        ]),
      )
      .executeTakeFirst()
    return Number(res.numUpdatedRows) > 0
  }

  async renewLease(taskId: string, owner: string, now: Date, leaseMs: number): Promise<BackupTask> {
    return this.#updateOwned(taskId, owner, { lease_expires_at: now.getTime() + leaseMs })
  }

  async confirmLease(taskId: string, owner: string, now: Date, leaseMs: number, intent?: string): Promise<void> {
    const nowMs = now.getTime()
    const { sqlite } = this.#ctx
    let changed: number
    if (sqlite) {
      // As below, on the raw handle (see sqlite-statements.ts).
      const name = intent === undefined ? '' : ', "backup_name" = @intent'
      const stmt = statement(sqlite, `update "backup_tasks" set "lease_expires_at" = @leaseEnd${name} where "id" = @taskId and "owner" = @owner and "state" in ${OPEN_IN} and "lease_expires_at" > @now`)
      changed = stmt.run({ leaseEnd: nowMs + leaseMs, taskId, owner, now: nowMs, ...(intent !== undefined && { intent }) }).changes
    } else {
      const res = await this.#ctx.db
        .updateTable('backup_tasks')
        .set({ lease_expires_at: nowMs + leaseMs, ...(intent !== undefined && { backup_name: intent }) })
        .where('id', '=', taskId)
        .where('owner', '=', owner)
        .where('state', 'in', OPEN_TASK_STATES)
        .where('lease_expires_at', '>', nowMs)
        .executeTakeFirst()
      changed = Number(res.numUpdatedRows)
    }
    if (changed === 0) throw await this.#conflict(taskId, owner, now)
  }

  async releaseTask(taskId: string, owner: string): Promise<BackupTask> {
    return this.#updateOwned(taskId, owner, { owner: null, lease_expires_at: null })
  }

  async finishTask(taskId: string, owner: string, outcome: TaskOutcome, now: Date, error?: ErrorInfo): Promise<void> {
    if (!TASK_OUTCOMES.includes(outcome)) throw new TypeError(`not a task outcome: ${String(outcome)}`)
    await this.#writeOwned(taskId, owner, { state: outcome, finished_at: now.getTime(), lease_expires_at: null, ...errorColumns(error) })
  }

  async finishTasks(entries: readonly FinishTaskEntry[]): Promise<(Error | undefined)[]> {
    for (const e of entries) if (!TASK_OUTCOMES.includes(e.outcome)) throw new TypeError(`not a task outcome: ${String(e.outcome)}`)
    if (entries.length === 0) return []
    const { db, dialect, sqlite } = this.#ctx
    const finishing = (e: FinishTaskEntry): Partial<Insertable<BackupTasksTable>> => ({ state: e.outcome, finished_at: e.now.getTime(), lease_expires_at: null, ...errorColumns(e.error) })
    let finished: boolean[]
    if (sqlite) {
      // As in claimTasks: synchronously inside BEGIN IMMEDIATE, on Kysely's one connection.
      finished = await db.connection().execute(async () =>
        sqlite
          .transaction(() =>
            entries.map((e) => {
              if (e.backup) sqliteUpdateBackupStatus(sqlite, e.backup.backupId, e.backup.status, e.backup.completedAt)
              return sqliteOwnedUpdate(sqlite, e.taskId, e.owner, finishing(e), false) !== undefined
            }),
          )
          .immediate(),
      )
    } else {
      if (dialect !== 'postgres') throw new TypeError(`no batch finish for dialect ${dialect}`)
      finished = await db.transaction().execute(async (trx) => {
        const out: boolean[] = []
        for (const e of entries) {
          if (e.backup) await updateBackupStatusIn(trx, e.backup.backupId, e.backup.status, e.backup.completedAt)
          const res = await trx.updateTable('backup_tasks').set(finishing(e)).where('id', '=', e.taskId).where('owner', '=', e.owner).where('state', 'in', OPEN_TASK_STATES).executeTakeFirst()
          out.push(Number(res.numUpdatedRows) > 0)
        }
        return out
      })
    }
    return Promise.all(finished.map((ok, i) => (ok ? undefined : this.#conflict(entries[i]!.taskId, entries[i]!.owner))))
  }

  async cancelTask(taskId: string, now: Date, error?: ErrorInfo): Promise<boolean> {
    const res = await this.#ctx.db
      .updateTable('backup_tasks')
      .set({ state: 'cancelled', finished_at: now.getTime(), lease_expires_at: null, ...errorColumns(error) })
      .where('id', '=', taskId)
      .where('state', 'in', OPEN_TASK_STATES)
      .executeTakeFirst()
    return Number(res.numUpdatedRows) > 0
  }

  async getTask(taskId: string): Promise<BackupTask | undefined> {
    const row = await this.#ctx.db.selectFrom('backup_tasks').selectAll().where('id', '=', taskId).executeTakeFirst()
    return row && toBackupTask(row)
  }

  async openTasks(): Promise<BackupTask[]> {
    const rows = await this.#ctx.db
      .selectFrom('backup_tasks')
      .selectAll()
      .where('state', 'in', OPEN_TASK_STATES)
      .orderBy('planned_at')
      .orderBy('id')
      .execute()
    return rows.map(toBackupTask)
  }

  async tasksForReport(projectId?: string): Promise<BackupTask[]> {
    let q = this.#ctx.db.selectFrom('backup_tasks').selectAll().where('state', 'in', TASK_OUTCOMES).where('reported', '=', 0)
    if (projectId !== undefined) q = q.where('project_id', '=', projectId)
    const rows = await q.orderBy('finished_at').orderBy('id').execute()
    return rows.map(toBackupTask)
  }

  async markReported(taskIds: readonly string[]): Promise<number> {
    if (taskIds.length === 0) return 0
    const res = await this.#ctx.db
      .updateTable('backup_tasks')
      .set({ reported: 1 })
      .where('id', 'in', [...taskIds])
      .where('state', 'in', TASK_OUTCOMES)
      .where('reported', '=', 0)
      .executeTakeFirst()
    return Number(res.numUpdatedRows)
  }

  async pruneTasks(before: Date): Promise<number> {
    const res = await this.#ctx.db
      .deleteFrom('backup_tasks')
      .where('state', 'in', TASK_OUTCOMES)
      .where('finished_at', '<', before.getTime())
      .executeTakeFirst()
    return Number(res.numDeletedRows)
  }

  /** Updates an open task only while `owner` holds it; otherwise explains why in a StoreConflictError. */
  async #updateOwned(taskId: string, owner: string, set: Partial<Insertable<BackupTasksTable>>): Promise<BackupTask> {
    const row = await this.#ownedUpdate(taskId, owner, set, true)
    if (row !== undefined && row !== true) return toBackupTask(row)
    throw await this.#conflict(taskId, owner)
  }

  /**
   * As #updateOwned, for the hot path's writes whose caller needs no row back (a task's create and
   * finish): no RETURNING, which costs more than the update on SQLite (a row of 22 columns read back
   * and mapped, thousands of times a cycle).
   */
  async #writeOwned(taskId: string, owner: string, set: Partial<Insertable<BackupTasksTable>>): Promise<void> {
    if ((await this.#ownedUpdate(taskId, owner, set, false)) === undefined) throw await this.#conflict(taskId, owner)
  }

  /** The update of an open task `owner` holds: the row as written (`returning`), else true; undefined when no row matched. */
  async #ownedUpdate(
    taskId: string,
    owner: string,
    set: Partial<Insertable<BackupTasksTable>>,
    returning: boolean,
  ): Promise<Selectable<BackupTasksTable> | true | undefined> {
    const { sqlite } = this.#ctx
    // As below, on the raw handle (see sqlite-statements.ts).
    if (sqlite) return sqliteOwnedUpdate(sqlite, taskId, owner, set, returning)
    const update = this.#ctx.db.updateTable('backup_tasks').set(set).where('id', '=', taskId).where('owner', '=', owner).where('state', 'in', OPEN_TASK_STATES)
    if (returning) return update.returningAll().executeTakeFirst()
    return Number((await update.executeTakeFirst()).numUpdatedRows) > 0 ? true : undefined
  }

  /** Why `owner` may not change the task (it is gone, finished, someone else's, or its lease ran out). */
  async #conflict(taskId: string, owner: string, now?: Date): Promise<StoreConflictError> {
    const current = await this.getTask(taskId)
    const why = !current
      ? 'does not exist'
      : current.state !== 'planned' && current.state !== 'started'
        ? `is already ${current.state}`
        : current.owner !== owner
          ? `is held by another owner (${current.owner ?? 'nobody'})`
          : `has a lease that ran out at ${current.leaseExpiresAt?.toISOString() ?? '(none)'}${now ? ` (now ${now.toISOString()})` : ''}`
    return new StoreConflictError(`backup task ${taskId} ${why}; ${owner} may not change it`)
  }
}

/** The SQL of an owned update per set of columns and RETURNING, built once (column names of our own schema). */
const OWNED_UPDATE_SQL = new Map<string, string>()

/** #ownedUpdate on SQLite's raw handle, synchronous: the row as written (`returning`), else true; undefined when no row matched. */
function sqliteOwnedUpdate(
  sqlite: SqliteDatabase.Database,
  taskId: string,
  owner: string,
  set: Partial<Insertable<BackupTasksTable>>,
  returning: boolean,
): Selectable<BackupTasksTable> | true | undefined {
  const columns = Object.keys(set) as (keyof typeof set)[]
  const key = `${columns.join(',')}${returning ? ' r' : ''}`
  let text = OWNED_UPDATE_SQL.get(key)
  if (text === undefined) {
    text = `update "backup_tasks" set ${setList(columns)} where "id" = ? and "owner" = ? and "state" in ${OPEN_IN}${returning ? ' returning *' : ''}`
    OWNED_UPDATE_SQL.set(key, text)
  }
  const stmt = statement(sqlite, text)
  const args = [...columns.map((c) => set[c] ?? null), taskId, owner]
  if (returning) return (stmt.all(...args) as Selectable<BackupTasksTable>[])[0]
  return stmt.run(...args).changes > 0 ? true : undefined
}

/** The columns a planned task is inserted with (toInsertRow's). */
const INSERT_COLUMNS = [
  'id', 'cycle_id', 'project_id', 'server_id', 'server_name', 'volume_id', 'volume_name', 'kind', 'state',
  'parent_backup_id', 'planned_at', 'deadline_at', 'attempts', 'reported',
] as const satisfies readonly (keyof BackupTasksTable)[]

function toInsertRow(t: NewBackupTask): Insertable<BackupTasksTable> & { id: string; volume_id: string } {
  return {
    id: t.id ?? randomUUID(),
    cycle_id: t.cycleId,
    project_id: t.projectId,
    server_id: t.serverId,
    server_name: t.serverName,
    volume_id: t.volumeId,
    volume_name: t.volumeName,
    kind: t.kind,
    state: 'planned',
    parent_backup_id: t.parentBackupId ?? null,
    planned_at: t.plannedAt.getTime(),
    deadline_at: t.deadlineAt ? t.deadlineAt.getTime() : null,
    attempts: 0,
    reported: 0,
  }
}

/** The row a planned task's insert wrote: the columns given, the others at their defaults (NULL, 0). */
function asInsertedRow(r: Insertable<BackupTasksTable> & { id: string; volume_id: string }): Selectable<BackupTasksTable> {
  return {
    backup_name: null, backup_id: null, started_at: null, finished_at: null, owner: null, lease_expires_at: null, error_code: null, error_message: null,
    ...r,
    parent_backup_id: r.parent_backup_id ?? null,
    deadline_at: r.deadline_at ?? null,
    attempts: r.attempts ?? 0,
    reported: r.reported ?? 0,
  } as Selectable<BackupTasksTable>
}

function errorColumns(error: ErrorInfo | undefined): Pick<Insertable<BackupTasksTable>, 'error_code' | 'error_message'> {
  if (!error) return {}
  return { error_code: error.code, error_message: error.message.slice(0, MAX_ERROR_MESSAGE) }
}

function sortTasks<T extends { planned_at: number; id: string }>(rows: T[]): T[] {
  return [...rows].sort((a, b) => Number(a.planned_at) - Number(b.planned_at) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}

/**
 * The SQLite claim, one statement (named parameters: owner, leaseEnd, now, limit). Each part reads
 * only the rows it can take, from a partial index: the tasks nobody holds from backup_tasks_unowned
 * in claim order (no more rows than the limit), held ones whose lease ran out (or that have none)
 * from backup_tasks_held_lease; the parts are merged in claim order. The state lists are literals
 * so that SQLite can use the partial indexes (a bound parameter cannot prove a partial index's WHERE).
 */
export function sqliteClaim(plannedOnly: boolean): string {
  const states = plannedOnly ? `"state" in ${OPEN_IN} and "state" = 'planned'` : `"state" in ${OPEN_IN}`
  const part = (claimable: string): string => `select "id", "planned_at" from (
          select "id", "planned_at" from "backup_tasks" where ${states} and ${claimable}
          order by "planned_at", "id" limit @limit
        )`
  return `update "backup_tasks" set "owner" = @owner, "lease_expires_at" = @leaseEnd, "attempts" = "attempts" + 1
    where "id" in (
      select "id" from (
        ${part('"owner" is null')}
        union all
        ${part('"owner" is not null and "lease_expires_at" is null')}
        union all
        ${part('"owner" is not null and "lease_expires_at" <= @now')}
      )
      order by "planned_at", "id" limit @limit
    )
    returning *`
}
