// The store contract: one suite looped over every dialect (Kysely's DIALECTS, STYLE.md §5).
// SQLite (`:memory:` and a temp file) always; PostgreSQL when PG_URL is set (scripts/start-postgres.sh).
// REQUIRE_PG=1 without PG_URL fails the run; DIALECTS=sqlite-memory,sqlite-file,postgres narrows it.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, beforeEach, describe, test } from 'node:test'
import Database from 'better-sqlite3'
import pg from 'pg'
import type { NewBackupTask, Store } from '../../src/domain/store-port.ts'
import { openStore } from '../../src/store/index.ts'

interface DialectCase {
  readonly name: 'sqlite-memory' | 'sqlite-file' | 'postgres'
  /** Can a second, independent connection open the same database? */
  readonly shared: boolean
  /** A fresh, empty database; returns its URL. */
  fresh(): Promise<string>
  cleanup(): Promise<void>
}

const PG_URL = process.env.PG_URL
const run = promisify(execFile)
const ALL_TABLES = 'backup_tasks, backups, leases, runs, kysely_migration, kysely_migration_lock'

function sqliteFile(): DialectCase {
  const dirs: string[] = []
  return {
    name: 'sqlite-file',
    shared: true,
    async fresh() {
      const dir = mkdtempSync(join(tmpdir(), 'swtest-store-'))
      dirs.push(dir)
      return `sqlite:${join(dir, 'nested', 'snapwarden.sqlite')}`
    },
    async cleanup() {
      for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
    },
  }
}

function postgres(url: string): DialectCase {
  return {
    name: 'postgres',
    shared: true,
    async fresh() {
      const client = new pg.Client({ connectionString: url })
      await client.connect()
      try {
        await client.query(`drop table if exists ${ALL_TABLES} cascade`)
      } finally {
        await client.end()
      }
      return url
    },
    async cleanup() {},
  }
}

const memory: DialectCase = { name: 'sqlite-memory', shared: false, fresh: async () => ':memory:', cleanup: async () => {} }
const wanted = process.env.DIALECTS?.split(',').map((d) => d.trim())
const DIALECTS = [memory, sqliteFile(), ...(PG_URL ? [postgres(PG_URL)] : [])].filter(
  (d) => !wanted || wanted.includes(d.name) || wanted.includes(d.name.split('-')[0]!),
)

if (process.env.REQUIRE_PG === '1') {
  test('PostgreSQL is available when REQUIRE_PG=1', () => {
    assert.ok(PG_URL, 'REQUIRE_PG=1 but PG_URL is not set: run `export $(bash scripts/start-postgres.sh)` first')
  })
}

const T0 = Date.parse('2026-03-01T02:00:00.000Z')
/** A fixed instant `minutes` after T0 (never the system clock). */
const at = (minutes: number) => new Date(T0 + minutes * 60_000)
const LEASE_MS = 10 * 60_000
const MIGRATIONS = ['0001-init', '0002-task-history', '0003-claim-indexes']

function aTask(volumeId: string, extra: Partial<NewBackupTask> = {}): NewBackupTask {
  return {
    cycleId: 'cycle-1',
    projectId: 'project-a',
    serverId: `server-of-${volumeId}`,
    serverName: `web-${volumeId}`,
    volumeId,
    volumeName: `disk-${volumeId}`,
    kind: 'full',
    plannedAt: at(0),
    ...extra,
  }
}

for (const dialect of DIALECTS) {
  describe(`${dialect.name}: store contract`, () => {
    let url: string
    let store: Store
    const extra: Store[] = []
    /** A second, independent connection to the same database (the same store for `:memory:`). */
    const other = (): Store => {
      if (!dialect.shared) return store
      const s = openStore({ url })
      extra.push(s)
      return s
    }

    beforeEach(async () => {
      url = await dialect.fresh()
      store = openStore({ url })
    })
    afterEach(async () => {
      for (const s of extra.splice(0)) await s.close()
      await store.close()
      await dialect.cleanup()
    })

    test('status before migrating lists every migration as pending', async () => {
      assert.deepEqual(await store.status(), { applied: [], pending: MIGRATIONS })
    })

    test('migrating twice applies the schema once and the second run is a no-op', async () => {
      assert.deepEqual(await store.migrate(), { applied: MIGRATIONS })
      assert.deepEqual(await store.migrate(), { applied: [] })
      assert.deepEqual(await store.status(), { current: MIGRATIONS.at(-1), applied: MIGRATIONS, pending: [] })
    })

    if (dialect.shared) {
      test('two processes migrating the same database at once apply each migration exactly once', async () => {
        const second = other()
        const [a, b] = await Promise.all([store.migrate(), second.migrate()])
        assert.deepEqual([...a.applied, ...b.applied], MIGRATIONS)
        assert.deepEqual((await second.status()).pending, [])
      })

      if (dialect.name === 'sqlite-file') {
        test('three processes migrating one SQLite file at once apply the schema exactly once', async () => {
          const storeModule = new URL('../../src/store/index.ts', import.meta.url).href
          const script = `const { openStore } = await import(${JSON.stringify(storeModule)})
            const s = openStore({ url: ${JSON.stringify(url)} })
            try { process.stdout.write(JSON.stringify(await s.migrate())) } finally { await s.close() }`
          const runs = await Promise.all(
            [1, 2, 3].map(() => run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: 60_000 })),
          )
          const applied = runs.flatMap((r) => (JSON.parse(r.stdout) as { applied: string[] }).applied)
          assert.deepEqual(applied, MIGRATIONS)
          assert.deepEqual((await store.status()).pending, [])
        })
      }

      test('a database migrated by a newer version is refused with STORE_MIGRATION', async () => {
        await store.migrate()
        await rawExec(url, `insert into kysely_migration (name, timestamp) values ('9999-future', '2030-01-01T00:00:00.000Z')`)
        await assert.rejects(store.migrate(), { code: 'STORE_MIGRATION', message: /9999-future/ })
      })
    }

    describe('with the schema', () => {
      beforeEach(() => store.migrate())

      test('planTasks keeps at most one open task per volume and reports the skipped volumes', async () => {
        const first = await store.planTasks([aTask('v1'), aTask('v2'), aTask('v4', { id: 't-v4-a' }), aTask('v4', { id: 't-v4-b' })])
        assert.deepEqual(first.inserted.map((t) => [t.volumeId, t.state]), [['v1', 'planned'], ['v2', 'planned'], ['v4', 'planned']])
        assert.deepEqual(first.skippedVolumeIds, ['v4'])
        const again = await store.planTasks([aTask('v1', { cycleId: 'cycle-2' }), aTask('v3', { cycleId: 'cycle-2' })])
        assert.deepEqual(again.inserted.map((t) => t.volumeId), ['v3'])
        assert.deepEqual(again.skippedVolumeIds, ['v1'])
        assert.deepEqual((await store.openTasks()).map((t) => t.volumeId).sort(), ['v1', 'v2', 'v3', 'v4'])
        // What planTasks returns is what the store holds, every field.
        for (const t of [...first.inserted, ...again.inserted]) assert.deepEqual(t, await other().getTask(t.id))
      })

      test('a volume whose task finished can be planned again', async () => {
        await store.planTasks([aTask('v1', { id: 't1' })])
        await store.claimTasks('w1', 1, at(1), LEASE_MS)
        await store.finishTask('t1', 'w1', 'succeeded', at(2))
        const next = await store.planTasks([aTask('v1', { id: 't2', cycleId: 'cycle-2' })])
        assert.deepEqual(next.inserted.map((t) => t.id), ['t2'])
      })

      test('planTasks skips a volume whose task another run finished after this plan was made', async () => {
        // Another run planned, sent and finished v1 and v2 while this plan (made at 10) was being computed.
        await store.planTasks([aTask('v1', { id: 'other-v1' }), aTask('v2', { id: 'other-v2' }), aTask('v3', { id: 'other-v3' }), aTask('v4', { id: 'other-v4' })])
        await other().claimTasks('other-run', 4, at(9), LEASE_MS)
        await store.markStarted('other-v1', 'other-run', 'b-v1', at(11))
        await store.finishTask('other-v1', 'other-run', 'succeeded', at(12))
        await store.markStarted('other-v2', 'other-run', 'b-v2', at(10))
        await store.finishTask('other-v2', 'other-run', 'succeeded', at(13))
        await store.markStarted('other-v3', 'other-run', 'b-v3', at(11))
        await store.finishTask('other-v3', 'other-run', 'failed', at(12), { code: 'OS_RESOURCE_FAILED', message: 'backup went to error' })
        await store.markStarted('other-v4', 'other-run', 'b-v4', at(9))
        await store.finishTask('other-v4', 'other-run', 'succeeded', at(9))

        const late = await store.planTasks(['v1', 'v2', 'v3', 'v4'].map((v) => aTask(v, { cycleId: 'cycle-2', plannedAt: at(10) })))

        assert.deepEqual(late.skippedVolumeIds, ['v1', 'v2'], 'a backup started at or after the plan time makes the plan stale')
        assert.deepEqual(late.inserted.map((t) => t.volumeId), ['v3', 'v4'], 'a failed task, or one our listing already saw, does not block')
      })

      test('planTasks with a min interval also skips a volume whose backup succeeded within it', async () => {
        await store.planTasks([aTask('v1', { id: 'recent' }), aTask('v2', { id: 'old' })])
        await store.claimTasks('w1', 2, at(0), LEASE_MS)
        await store.markStarted('recent', 'w1', 'b1', at(31))
        await store.finishTask('recent', 'w1', 'succeeded', at(32))
        await store.markStarted('old', 'w1', 'b2', at(29))
        await store.finishTask('old', 'w1', 'succeeded', at(30))
        const next = await store.planTasks([aTask('v1', { cycleId: 'cycle-2', plannedAt: at(90) }), aTask('v2', { cycleId: 'cycle-2', plannedAt: at(90) })], {
          minIntervalMs: 60 * 60_000,
        })
        assert.deepEqual(next.skippedVolumeIds, ['v1'])
        assert.deepEqual(next.inserted.map((t) => t.volumeId), ['v2'])
      })

      if (dialect.shared) {
        test('planners on separate connections racing with a finishing worker insert one task per volume', async () => {
          const volumes = Array.from({ length: 40 }, (_, i) => `vol-${i}`)
          await store.planTasks(volumes.map((v) => aTask(v, { id: `first-${v}` })))
          const worker = other()
          await worker.claimTasks('w1', volumes.length, at(1), LEASE_MS)
          const finishing = (async () => {
            for (const v of volumes) {
              await worker.markStarted(`first-${v}`, 'w1', `b-${v}`, at(2))
              await worker.finishTask(`first-${v}`, 'w1', 'succeeded', at(3))
            }
          })()
          const planners = [store, other(), other()].map((s, p) => s.planTasks(volumes.map((v) => aTask(v, { cycleId: `late-${p}`, plannedAt: at(1) }))))
          const [results] = await Promise.all([Promise.all(planners), finishing])
          const inserted = results.flatMap((r) => r.inserted)
          assert.deepEqual(inserted, [], `re-planned although backed up after the plan: ${inserted.map((t) => t.volumeId).join(', ')}`)
        })
      }

      test('a planned task round-trips every field with millisecond timestamps', async () => {
        const planned = aTask('v1', { id: 't1', kind: 'incremental', parentBackupId: 'b-full', plannedAt: new Date(T0 + 123), deadlineAt: at(90) })
        const { inserted } = await store.planTasks([planned])
        const expected = {
          id: 't1', cycleId: 'cycle-1', projectId: 'project-a', serverId: 'server-of-v1', serverName: 'web-v1',
          volumeId: 'v1', volumeName: 'disk-v1', kind: 'incremental', state: 'planned', parentBackupId: 'b-full',
          plannedAt: new Date(T0 + 123), deadlineAt: at(90), attempts: 0, reported: false,
        }
        assert.deepEqual(inserted, [expected])
        assert.deepEqual(await store.getTask('t1'), expected)
      })

      test('two claimers on separate connections never receive the same task and together receive all', async () => {
        const ids = Array.from({ length: 60 }, (_, i) => `t${String(i).padStart(2, '0')}`)
        await store.planTasks(ids.map((id, i) => aTask(`vol-${i}`, { id, plannedAt: at(i % 7) })))
        const claimers = [
          { owner: 'worker-a', store },
          { owner: 'worker-b', store: other() },
        ]
        const got = new Map<string, string[]>(claimers.map((c) => [c.owner, []]))
        for (let round = 0; round < 40; round++) {
          // Three claims in flight per worker, interleaved with the other worker's.
          const batches = await Promise.all(
            claimers.flatMap((c) => [1, 2, 3].map(async () => ({ owner: c.owner, tasks: await c.store.claimTasks(c.owner, 2, at(10), LEASE_MS) }))),
          )
          for (const b of batches) got.get(b.owner)!.push(...b.tasks.map((t) => t.id))
          if (batches.every((b) => b.tasks.length === 0)) break
        }
        const all = [...got.values()].flat()
        assert.equal(new Set(all).size, all.length, 'a task was given to two claims')
        assert.deepEqual([...all].sort(), ids)
        const open = await store.openTasks()
        for (const t of open) assert.ok(got.get(t.owner!)!.includes(t.id), `${t.id} recorded under the wrong owner`)
        assert.ok(open.every((t) => t.attempts === 1))
      })

      test('claimTasks hands out the oldest planned tasks first, up to the limit', async () => {
        await store.planTasks([aTask('v1', { id: 'late', plannedAt: at(5) }), aTask('v2', { id: 'early', plannedAt: at(1) }), aTask('v3', { id: 'mid', plannedAt: at(3) })])
        const claimed = await store.claimTasks('w1', 2, at(10), LEASE_MS)
        assert.deepEqual(claimed.map((t) => [t.id, t.owner, t.leaseExpiresAt]), [['early', 'w1', new Date(at(10).getTime() + LEASE_MS)], ['mid', 'w1', new Date(at(10).getTime() + LEASE_MS)]])
        assert.deepEqual(await store.claimTasks('w1', 0, at(10), LEASE_MS), [])
      })

      test('claimTasks takes free tasks and tasks whose lease ran out together, oldest planned first', async () => {
        await store.planTasks([aTask('v1', { id: 'held-old', plannedAt: at(1) }), aTask('v2', { id: 'held-live', plannedAt: at(2) })])
        await store.claimTasks('w1', 1, at(0), LEASE_MS) // held-old: its lease runs out at LEASE_MS
        await store.claimTasks('w1', 1, at(5), LEASE_MS) // held-live: its lease runs past the next claim
        await store.planTasks([aTask('v3', { id: 'free-mid', plannedAt: at(3), cycleId: 'cycle-2' }), aTask('v4', { id: 'free-late', plannedAt: at(4), cycleId: 'cycle-2' })])
        const expiredAt = new Date(at(0).getTime() + LEASE_MS)
        const claimed = await other().claimTasks('w2', 2, expiredAt, LEASE_MS)
        assert.deepEqual(claimed.map((t) => [t.id, t.owner, t.attempts]), [['held-old', 'w2', 2], ['free-mid', 'w2', 1]])
        assert.deepEqual((await other().claimTasks('w2', 5, expiredAt, LEASE_MS)).map((t) => t.id), ['free-late'])
      })

      test('a task whose lease has not expired is not claimed by another worker', async () => {
        await store.planTasks([aTask('v1')])
        assert.equal((await store.claimTasks('w1', 5, at(0), LEASE_MS)).length, 1)
        assert.deepEqual(await other().claimTasks('w2', 5, new Date(at(0).getTime() + LEASE_MS - 1), LEASE_MS), [])
      })

      test('after a worker crashes, its started task is re-claimed once the lease expires, keeping the intent', async () => {
        await store.planTasks([aTask('v1', { id: 't1' })])
        await store.claimTasks('w1', 1, at(0), LEASE_MS)
        await store.recordIntent('t1', 'w1', 'snapwarden-v1-20260301')
        await store.markStarted('t1', 'w1', 'backup-1', at(1), at(60))
        const started = await store.getTask('t1')
        assert.deepEqual([started?.state, started?.backupId, started?.startedAt, started?.deadlineAt], ['started', 'backup-1', at(1), at(60)])
        // w1 dies here; w2 comes along after the lease ran out.
        const [again] = await other().claimTasks('w2', 5, new Date(at(0).getTime() + LEASE_MS), LEASE_MS)
        assert.ok(again)
        assert.deepEqual(
          [again.id, again.state, again.owner, again.attempts, again.backupName, again.backupId],
          ['t1', 'started', 'w2', 2, 'snapwarden-v1-20260301', 'backup-1'],
        )
        await assert.rejects(store.finishTask('t1', 'w1', 'succeeded', at(20)), { code: 'STORE_CONFLICT' })
        await assert.rejects(store.renewLease('t1', 'w1', at(20), LEASE_MS), { code: 'STORE_CONFLICT' })
        await store.finishTask('t1', 'w2', 'succeeded', at(21))
        assert.equal((await store.getTask('t1'))?.state, 'succeeded')
      })

      test('finishTasks closes many tasks in one transaction, each with its backup\'s status; a task no longer held is refused alone, with STORE_CONFLICT', async () => {
        await store.planTasks([aTask('v1', { id: 't1' }), aTask('v2', { id: 't2' }), aTask('v3', { id: 't3' })])
        await store.claimTasks('w1', 3, at(0), LEASE_MS)
        for (const [t, b] of [['t1', 'b1'], ['t2', 'b2'], ['t3', 'b3']] as const) {
          await store.markStarted(t, 'w1', b, at(1), at(60))
          await store.recordBackup({ backupId: b, volumeId: t, projectId: 'p1', kind: 'full', status: 'creating', createdAt: at(1), taskId: t })
        }
        const results = await store.finishTasks([
          { taskId: 't1', owner: 'w1', outcome: 'succeeded', now: at(5), backup: { backupId: 'b1', status: 'available', completedAt: at(5) } },
          // Held by w1, not w2: refused, and the others are still written.
          { taskId: 't2', owner: 'w2', outcome: 'succeeded', now: at(5), backup: { backupId: 'b2', status: 'available', completedAt: at(5) } },
          { taskId: 't3', owner: 'w1', outcome: 'failed', now: at(6), error: { code: 'OS_RESOURCE_FAILED', message: 'backup b3 went to status error' }, backup: { backupId: 'b3', status: 'error' } },
        ])
        assert.equal(results[0], undefined)
        assert.match(String((results[1] as { code?: string } | undefined)?.code), /STORE_CONFLICT/)
        assert.equal(results[2], undefined)
        const [t1, t2, t3] = await Promise.all(['t1', 't2', 't3'].map((id) => store.getTask(id)))
        assert.deepEqual([t1?.state, t1?.finishedAt, t1?.leaseExpiresAt], ['succeeded', at(5), undefined])
        assert.equal(t2?.state, 'started')
        assert.deepEqual([t3?.state, t3?.errorCode], ['failed', 'OS_RESOURCE_FAILED'])
        const [b1, b3] = await Promise.all([store.getBackup('b1'), store.getBackup('b3')])
        assert.deepEqual([b1?.status, b1?.completedAt, b3?.status], ['available', at(5), 'error'])
        assert.deepEqual(await store.finishTasks([]), [])
        await assert.rejects(store.finishTasks([{ taskId: 't2', owner: 'w1', outcome: 'bogus' as 'failed', now: at(7) }]), TypeError)
        assert.equal((await store.getTask('t2'))?.state, 'started', 'nothing written when an entry is invalid')
      })

      test('a task left in flight is skipped by claimers until its deadline, then taken over; a listing settles it whoever sent it, unless a claimer holds it', async () => {
        await store.planTasks([aTask('v1', { id: 't1' }), aTask('v2', { id: 't2' })])
        await store.claimTasks('w1', 2, at(0), LEASE_MS)
        await store.markStarted('t1', 'w1', 'backup-1', at(1), at(31))
        await store.markStarted('t2', 'w1', 'backup-2', at(1), at(31))
        const left = await store.leaveInFlight('t1', 'w1')
        assert.deepEqual([left.state, left.owner, left.leaseExpiresAt], ['started', 'w1', at(31)])
        await store.leaveInFlight('t2', 'w1')
        await assert.rejects(other().leaveInFlight('t1', 'w2'), { code: 'STORE_CONFLICT' })
        // Before the deadline (even after the claim's lease would have run out): nobody claims it.
        assert.deepEqual(await other().claimTasks('w2', 5, at(30), LEASE_MS), [])
        // The next cycle's listing settles t1, whoever sent it.
        assert.equal(await other().settleInFlight('t1', 'backup-1', 'succeeded', at(20)), true)
        assert.equal(await other().settleInFlight('t1', 'backup-1', 'failed', at(21)), false, 'settled once')
        assert.equal(await other().settleInFlight('t2', 'backup-other', 'succeeded', at(21)), false, 'only with its own backup')
        const done = await store.getTask('t1')
        assert.deepEqual([done?.state, done?.finishedAt, done?.leaseExpiresAt], ['succeeded', at(20), undefined])
        // A daemon that is not the planner claims only planned tasks: never one in flight.
        assert.deepEqual(await other().claimTasks('w3', 5, at(31), LEASE_MS, { plannedOnly: true }), [])
        // After the deadline a claimer takes t2 over (to cancel it); a listing no longer settles it.
        const [taken] = await other().claimTasks('w2', 5, at(31), LEASE_MS)
        assert.deepEqual([taken?.id, taken?.owner, taken?.attempts], ['t2', 'w2', 2])
        assert.equal(await store.settleInFlight('t2', 'backup-2', 'succeeded', at(32)), false, 'held by the claimer that cancels it')
        await store.finishTask('t2', 'w2', 'cancelled', at(33))
        assert.equal((await store.getTask('t2'))?.state, 'cancelled')
      })

      test('renewing a lease keeps the task from being re-claimed', async () => {
        await store.planTasks([aTask('v1', { id: 't1' })])
        await store.claimTasks('w1', 1, at(0), LEASE_MS)
        const renewed = await store.renewLease('t1', 'w1', at(9), LEASE_MS)
        assert.deepEqual(renewed.leaseExpiresAt, new Date(at(9).getTime() + LEASE_MS))
        assert.deepEqual(await store.claimTasks('w2', 1, at(11), LEASE_MS), [])
      })

      test('confirmLease with an intent records the name in the same write; a refused confirm records nothing', async () => {
        await store.planTasks([aTask('v1', { id: 't1' })])
        await store.claimTasks('w1', 1, at(0), LEASE_MS)
        await assert.rejects(store.confirmLease('t1', 'w2', at(1), LEASE_MS, 'not-ours'), { code: 'STORE_CONFLICT' })
        assert.equal((await store.getTask('t1'))?.backupName, undefined)
        await store.confirmLease('t1', 'w1', at(1), LEASE_MS, 'snapwarden-v1-20260301')
        const confirmed = await other().getTask('t1')
        assert.deepEqual([confirmed?.backupName, confirmed?.leaseExpiresAt], ['snapwarden-v1-20260301', new Date(at(1).getTime() + LEASE_MS)])
        await store.confirmLease('t1', 'w1', at(2), LEASE_MS)
        assert.equal((await store.getTask('t1'))?.backupName, 'snapwarden-v1-20260301', 'a confirm without intent keeps the name')
      })

      test('confirmLease extends a live lease of its holder and refuses an expired one, even when nobody re-claimed it', async () => {
        await store.planTasks([aTask('v1', { id: 't1' })])
        await store.claimTasks('w1', 1, at(0), LEASE_MS)
        await store.confirmLease('t1', 'w1', at(9), LEASE_MS)
        assert.deepEqual((await store.getTask('t1'))?.leaseExpiresAt, new Date(at(9).getTime() + LEASE_MS))
        await assert.rejects(store.confirmLease('t1', 'w2', at(10), LEASE_MS), { code: 'STORE_CONFLICT', message: /held by another owner \(w1\)/ })
        const expiry = new Date(at(9).getTime() + LEASE_MS)
        await assert.rejects(store.confirmLease('t1', 'w1', expiry, LEASE_MS), { code: 'STORE_CONFLICT', message: /lease that ran out/ })
        assert.deepEqual((await store.getTask('t1'))?.leaseExpiresAt, expiry, 'a refused confirmation changes nothing')
        // renewLease (while following a backup already sent) is not the guard: it only needs the owner.
        assert.equal((await store.renewLease('t1', 'w1', at(30), LEASE_MS)).owner, 'w1')
        await store.finishTask('t1', 'w1', 'succeeded', at(31))
        await assert.rejects(store.confirmLease('t1', 'w1', at(31), LEASE_MS), { code: 'STORE_CONFLICT', message: /already succeeded/ })
      })

      test('a released task is claimable at once by another worker, and its former holder may no longer change it', async () => {
        await store.planTasks([aTask('v1', { id: 't1' })])
        await store.claimTasks('w1', 1, at(0), LEASE_MS)
        await store.recordIntent('t1', 'w1', 'name-1')
        await store.markStarted('t1', 'w1', 'backup-1', at(1))
        const released = await store.releaseTask('t1', 'w1')
        assert.deepEqual([released.state, released.owner, released.leaseExpiresAt, released.backupId], ['started', undefined, undefined, 'backup-1'])
        const [again] = await other().claimTasks('w2', 1, at(2), LEASE_MS)
        assert.deepEqual([again?.id, again?.owner, again?.attempts], ['t1', 'w2', 2])
        await assert.rejects(store.finishTask('t1', 'w1', 'succeeded', at(3)), { code: 'STORE_CONFLICT' })
        await assert.rejects(store.releaseTask('t1', 'w1'), { code: 'STORE_CONFLICT' })
      })

      test('pruneTasks deletes finished tasks older than the history and keeps open and recent ones', async () => {
        await store.planTasks([aTask('v1', { id: 'old-ok' }), aTask('v2', { id: 'old-failed' }), aTask('v3', { id: 'recent' }), aTask('v4', { id: 'open' })])
        await store.claimTasks('w1', 4, at(0), LEASE_MS)
        await store.finishTask('old-ok', 'w1', 'succeeded', at(1))
        await store.finishTask('old-failed', 'w1', 'failed', at(2), { code: 'OS_HTTP', message: 'x' })
        await store.finishTask('recent', 'w1', 'succeeded', at(20))
        await store.recordOverQuota(aTask('v5', { id: 'old-quota' }), at(3), { code: 'EXEC_OVER_QUOTA', message: 'full' })
        assert.equal(await store.pruneTasks(at(20)), 3)
        assert.deepEqual((await store.openTasks()).map((t) => t.id), ['open'])
        assert.equal((await store.getTask('recent'))?.state, 'succeeded')
        assert.equal(await store.getTask('old-ok'), undefined)
        assert.equal(await store.pruneTasks(at(20)), 0)
      })

      test('finishing records the outcome and error, clears the lease, and a second finish conflicts', async () => {
        await store.planTasks([aTask('v1', { id: 'ok' }), aTask('v2', { id: 'bad', projectId: 'project-b' }), aTask('v3', { id: 'quota' })])
        await store.claimTasks('w1', 3, at(0), LEASE_MS)
        await store.markStarted('ok', 'w1', 'backup-ok', at(1))
        await store.finishTask('ok', 'w1', 'succeeded', at(5))
        await store.finishTask('bad', 'w1', 'failed', at(6), { code: 'OS_RESOURCE_FAILED', message: 'backup went to error' })
        await store.finishTask('quota', 'w1', 'over_quota', at(7), { code: 'EXEC_OVER_QUOTA', message: 'backups 10/10' })
        const [ok, bad, quota] = await Promise.all(['ok', 'bad', 'quota'].map((id) => store.getTask(id)))
        assert.deepEqual([ok?.state, ok?.finishedAt, ok?.leaseExpiresAt, ok?.owner], ['succeeded', at(5), undefined, 'w1'])
        assert.deepEqual([bad?.state, bad?.errorCode, bad?.errorMessage], ['failed', 'OS_RESOURCE_FAILED', 'backup went to error'])
        assert.equal(quota?.state, 'over_quota')
        assert.deepEqual(await store.openTasks(), [])
        await assert.rejects(store.finishTask('ok', 'w1', 'failed', at(8)), { code: 'STORE_CONFLICT', message: /already succeeded/ })
        await assert.rejects(store.markStarted('missing', 'w1', 'b', at(8)), { code: 'STORE_CONFLICT', message: /does not exist/ })
        assert.deepEqual((await store.tasksForReport()).map((t) => t.id), ['ok', 'bad', 'quota'])
        assert.deepEqual((await store.tasksForReport('project-b')).map((t) => t.id), ['bad'])
        assert.equal(await store.markReported(['ok', 'bad']), 2)
        assert.equal(await store.markReported(['ok']), 0)
        assert.deepEqual((await store.tasksForReport()).map((t) => [t.id, t.reported]), [['quota', false]])
        assert.equal((await store.getTask('ok'))?.reported, true)
      })

      test('an over-quota task is recorded finished, never claimed, and does not block the next plan', async () => {
        const t = await store.recordOverQuota(aTask('v1', { id: 'oq' }), at(1), { code: 'EXEC_OVER_QUOTA', message: 'backups 10/10 used' })
        assert.equal(t.state, 'over_quota')
        assert.equal(t.errorCode, 'EXEC_OVER_QUOTA')
        assert.deepEqual(await store.claimTasks('w1', 10, at(2), 60_000), [])
        const next = await store.planTasks([aTask('v1', { id: 'after' })])
        assert.deepEqual(next.inserted.map((x) => x.id), ['after'])
      })

      test('an open task can be cancelled whoever holds it, a finished one cannot', async () => {
        await store.planTasks([aTask('v1', { id: 't1' }), aTask('v2', { id: 't2' })])
        await store.claimTasks('w1', 1, at(0), LEASE_MS)
        assert.equal(await store.cancelTask('t1', at(1), { code: 'EXEC_CANCELLED', message: 'volume deleted' }), true)
        assert.equal(await store.cancelTask('t2', at(1)), true)
        assert.equal(await store.cancelTask('t1', at(2)), false)
        assert.deepEqual((await store.getTask('t1'))?.errorCode, 'EXEC_CANCELLED')
        assert.deepEqual(await store.claimTasks('w2', 5, at(60), LEASE_MS), [])
        await assert.rejects(store.finishTask('t1', 'w1', 'succeeded', at(3)), { code: 'STORE_CONFLICT' })
      })

      test('tracked backups are recorded once, filtered, and closed but kept when deleted', async () => {
        const full = { backupId: 'b1', volumeId: 'v1', serverId: 's1', projectId: 'p1', name: 'n1', kind: 'full', status: 'creating', createdAt: at(0), retentionSource: 'config', taskId: 't1' } as const
        assert.equal(await store.recordBackup(full), true)
        assert.equal(await store.recordBackup({ ...full, status: 'available' }), false)
        await store.recordBackup({ backupId: 'b2', volumeId: 'v1', projectId: 'p1', kind: 'incremental', parentBackupId: 'b1', status: 'available', createdAt: at(10) })
        await store.recordBackup({ backupId: 'b3', volumeId: 'v2', projectId: 'p2', kind: 'full', status: 'available', createdAt: at(5) })
        assert.equal(await store.updateBackupStatus('b1', 'available', at(3)), true)
        assert.equal(await store.updateBackupStatus('b1', 'available', at(4)), true)
        assert.equal(await store.updateBackupStatus('nope', 'available'), false)
        assert.deepEqual(await store.getBackup('b1'), { ...full, status: 'available', completedAt: at(3) })
        assert.deepEqual((await store.listBackups()).map((b) => b.backupId), ['b1', 'b3', 'b2'])
        assert.deepEqual((await store.listBackups({ volumeId: 'v1' })).map((b) => [b.backupId, b.parentBackupId]), [['b1', undefined], ['b2', 'b1']])
        assert.deepEqual((await store.listBackups({ projectId: 'p2' })).map((b) => b.backupId), ['b3'])
        assert.equal(await store.isTracked('b2'), true)
        assert.equal(await store.markBackupDeleted('b2', at(20)), true)
        assert.equal(await store.markBackupDeleted('b2', at(30)), true)
        assert.equal(await store.markBackupDeleted('unknown', at(30)), false)
        assert.equal(await store.isTracked('b2'), false)
        assert.equal(await store.isTracked('unknown'), false)
        assert.deepEqual((await store.listBackups({ volumeId: 'v1' })).map((b) => b.backupId), ['b1'])
        const withDeleted = await store.listBackups({ volumeId: 'v1', includeDeleted: true })
        assert.deepEqual(withDeleted.map((b) => [b.backupId, b.deletedAt]), [['b1', undefined], ['b2', at(20)]])
      })

      test('a leader lease is exclusive until it expires, renewable by its holder, and free after release', async () => {
        const peer = other()
        assert.equal(await store.acquireLease('planner', 'daemon-a', at(0), LEASE_MS), true)
        assert.equal(await peer.acquireLease('planner', 'daemon-b', at(5), LEASE_MS), false)
        assert.equal(await store.acquireLease('planner', 'daemon-a', at(8), LEASE_MS), true)
        assert.equal(await peer.acquireLease('planner', 'daemon-b', at(17), LEASE_MS), false)
        assert.equal(await peer.acquireLease('planner', 'daemon-b', at(18), LEASE_MS), true)
        assert.equal(await store.acquireLease('planner', 'daemon-a', at(19), LEASE_MS), false)
        assert.equal(await store.acquireLease('reporter', 'daemon-a', at(19), LEASE_MS), true)
        await store.releaseLease('planner', 'daemon-a') // not the holder: no effect
        assert.equal(await store.acquireLease('planner', 'daemon-a', at(20), LEASE_MS), false)
        await peer.releaseLease('planner', 'daemon-b')
        assert.equal(await store.acquireLease('planner', 'daemon-a', at(20), LEASE_MS), true)
      })

      test('daemons racing for a free lease: exactly one wins', async () => {
        const racers = [store, other(), other(), store]
        const won = await Promise.all(racers.map((s, i) => s.acquireLease('planner', `daemon-${i}`, at(0), LEASE_MS)))
        assert.equal(won.filter(Boolean).length, 1)
      })

      test('runs are upserted by id and listed newest first', async () => {
        await store.recordRun({ id: 'r1', kind: 'backup-cycle', startedAt: at(0), summary: {} })
        await store.recordRun({ id: 'r2', kind: 'retention', startedAt: at(1), finishedAt: at(2), exitStatus: 0, summary: { deleted: 3 } })
        await store.recordRun({ id: 'r1', kind: 'backup-cycle', startedAt: at(0), finishedAt: at(4), exitStatus: 1, summary: { failed: ['t1'] } })
        assert.deepEqual(await store.lastRuns(10), [
          { id: 'r2', kind: 'retention', startedAt: at(1), finishedAt: at(2), exitStatus: 0, summary: { deleted: 3 } },
          { id: 'r1', kind: 'backup-cycle', startedAt: at(0), finishedAt: at(4), exitStatus: 1, summary: { failed: ['t1'] } },
        ])
        assert.deepEqual((await store.lastRuns(1, 'backup-cycle')).map((r) => r.id), ['r1'])
        assert.equal(await store.pruneRuns(at(1)), 1)
        assert.deepEqual((await store.lastRuns(10)).map((r) => r.id), ['r2'])
      })
    })
  })
}

/** Runs raw SQL on the database behind a URL through a separate connection. */
async function rawExec(url: string, statement: string): Promise<void> {
  if (url.startsWith('postgres')) {
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    try {
      await client.query(statement)
    } finally {
      await client.end()
    }
    return
  }
  const db = new Database(url.slice('sqlite:'.length))
  try {
    db.exec(statement)
  } finally {
    db.close()
  }
}

describe('store errors', () => {
  test('an unreachable PostgreSQL is STORE_UNAVAILABLE and the message never shows the password', async () => {
    const store = openStore({ url: 'postgres://snap:s3cret-pw@127.0.0.1:1/snapwarden' })
    try {
      await assert.rejects(store.migrate(), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'STORE_UNAVAILABLE')
        assert.ok(!err.message.includes('s3cret-pw'), err.message)
        assert.match(err.message, /snap:\*\*\*@127\.0\.0\.1:1/)
        return true
      })
    } finally {
      await store.close()
    }
  })

  if (PG_URL) {
    test('a wrong PostgreSQL password is STORE_UNAVAILABLE without either password in the message', async () => {
      const u = new URL(PG_URL)
      u.password = 'wrong-pw-123'
      const store = openStore({ url: u.toString() })
      try {
        await assert.rejects(store.status(), (err: Error & { code?: string }) => {
          assert.equal(err.code, 'STORE_UNAVAILABLE')
          assert.ok(!err.message.includes('wrong-pw-123') && !err.message.includes(new URL(PG_URL).password), err.message)
          return true
        })
      } finally {
        await store.close()
      }
    })
  }

  test('an unsupported URL scheme is refused as a user error (CONFIG_INVALID), redacted', () => {
    assert.throws(() => openStore({ url: 'mysql://root:hunter2@127.0.0.1/db' }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'CONFIG_INVALID')
      assert.ok(!err.message.includes('hunter2'))
      return true
    })
  })
})
