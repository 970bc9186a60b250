import type { RunLog, RunRecord } from '../domain/store-port.ts'
import { toRunRecord } from './row-mappers.ts'
import type { StoreContext } from './store-context.ts'

/** The `runs` table: one row per cycle/command run, for `db status` and health. */
export class RunLogRepo implements RunLog {
  readonly #ctx: StoreContext

  constructor(ctx: StoreContext) {
    this.#ctx = ctx
  }

  async recordRun(run: RunRecord): Promise<void> {
    await this.#ctx.db
      .insertInto('runs')
      .values({
        id: run.id,
        kind: run.kind,
        started_at: run.startedAt.getTime(),
        finished_at: run.finishedAt ? run.finishedAt.getTime() : null,
        exit_status: run.exitStatus ?? null,
        summary: JSON.stringify(run.summary),
      })
      .onConflict((oc) =>
        oc.column('id').doUpdateSet((eb) => ({
          finished_at: eb.ref('excluded.finished_at'),
          exit_status: eb.ref('excluded.exit_status'),
          summary: eb.ref('excluded.summary'),
        })),
      )
      .execute()
  }

  async lastRuns(limit: number, kind?: string): Promise<RunRecord[]> {
    let q = this.#ctx.db.selectFrom('runs').selectAll()
    if (kind !== undefined) q = q.where('kind', '=', kind)
    const rows = await q.orderBy('started_at', 'desc').orderBy('id', 'desc').limit(Math.max(0, limit)).execute()
    return rows.map(toRunRecord)
  }

  async pruneRuns(before: Date): Promise<number> {
    const res = await this.#ctx.db.deleteFrom('runs').where('started_at', '<', before.getTime()).executeTakeFirst()
    return Number(res.numDeletedRows)
  }
}
