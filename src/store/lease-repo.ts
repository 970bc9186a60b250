import type { LeaseStore } from '../domain/store-port.ts'
import type { StoreContext } from './store-context.ts'

/** Named leases (one planner at a time across daemons sharing a database). */
export class LeaseRepo implements LeaseStore {
  readonly #ctx: StoreContext

  constructor(ctx: StoreContext) {
    this.#ctx = ctx
  }

  async acquireLease(name: string, owner: string, now: Date, ttlMs: number): Promise<boolean> {
    const nowMs = now.getTime()
    // One upsert: insert, or take over when expired, or renew when already ours. The conflict
    // update is atomic on both dialects, so two daemons racing cannot both win.
    const row = await this.#ctx.db
      .insertInto('leases')
      .values({ name, owner, acquired_at: nowMs, expires_at: nowMs + ttlMs })
      .onConflict((oc) =>
        oc
          .column('name')
          .doUpdateSet((eb) => ({
            owner: eb.ref('excluded.owner'),
            expires_at: eb.ref('excluded.expires_at'),
            acquired_at: eb
              .case()
              .when('leases.owner', '=', eb.ref('excluded.owner'))
              .then(eb.ref('leases.acquired_at'))
              .else(eb.ref('excluded.acquired_at'))
              .end(),
          }))
          .where((eb) => eb.or([eb('leases.expires_at', '<=', nowMs), eb('leases.owner', '=', eb.ref('excluded.owner'))])),
      )
      .returning('owner')
      .executeTakeFirst()
    return row?.owner === owner
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    await this.#ctx.db.deleteFrom('leases').where('name', '=', name).where('owner', '=', owner).execute()
  }
}
