/**
 * `snapwarden adopt staffeln` against a Staffeln SQLite database with Staffeln's schema (the real CLI
 * as a child process, a real SQLite store): what it adopts and reports, that re-running and
 * `--dry-run` write nothing more, that Staffeln's file is never written, that adopted backups are
 * protected by the protection API and expired by chain-aware retention, and that credentials never
 * show. The MariaDB tests are in tests/realcloud/adopt-staffeln.test.ts.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { buildProtectionApp } from '../../src/api/protection-app.ts'
import { runRetentionCycle } from '../../src/cycles/retention-cycle.ts'
import { openStore, openTrackedBackupReader } from '../../src/store/index.ts'
import { addProtectedServer, backupConfig, HOUR, simBackupsOf, startBackupHarness } from '../support/backup-sim.ts'
import { describeRun, runCli, tempDir, type CliResult } from '../support/run-cli.ts'
import { createStaffelnSqlite, STAFFELN_DDL, type StaffelnBackupFixture, type StaffelnFixture } from '../support/staffeln-db.ts'

const T0 = new Date('2026-11-20T02:00:41.512Z')
const P = '8e2b1c3a4d5e4f60a1b2c3d4e5f60718'
const S = 'c41d0e6b-2f0a-4c3e-9d57-6a1b2c3d4e5f'
const V1 = '3a9e5d1c-7b2a-4e8f-9c0d-1e2f3a4b5c6d'
const V2 = '5d02a7c1-3e4f-4a5b-8c6d-7e8f9a0b1c2d'
const V3 = '77c0b1a2-4d3e-4f5a-9b6c-8d7e6f5a4b3c'
const at = (hours: number): Date => new Date(T0.getTime() + hours * HOUR)

const backupRow = (backupId: string, volumeId: string, hours: number, over: Partial<StaffelnBackupFixture> = {}): StaffelnBackupFixture => ({
  backupId, projectId: P, volumeId, instanceId: S, backupCompleted: 1, incremental: false, createdAt: at(hours), ...over,
})

/** Two chains of V1, a timed-out backup's follow-up row, a pre-incremental row; a planned, an in-flight and finished tasks. */
const FIXTURE: StaffelnFixture = {
  backups: [
    backupRow('6f1c0000-0000-4000-8000-000000000001', V1, 0),
    backupRow('6f1c0000-0000-4000-8000-000000000002', V1, 24, { incremental: true }),
    backupRow('6f1c0000-0000-4000-8000-000000000003', V1, 48, { incremental: true }),
    backupRow('6f1c0000-0000-4000-8000-000000000004', V1, 72),
    // Staffeln's follow-up object for a timed-out backup: backup_completed 0, dated ten years back.
    backupRow('6f1c0000-0000-4000-8000-000000000005', V2, -87_600, { backupCompleted: 0, incremental: true }),
    // Written before the incremental column existed.
    backupRow('6f1c0000-0000-4000-8000-000000000006', V2, 1, { incremental: null }),
  ],
  queue: [
    { backupId: 'NULL', projectId: P, volumeId: V2, instanceId: S, volumeName: 'data', instanceName: 'web1', backupStatus: 0, incremental: false, reason: null, createdAt: at(96) },
    { backupId: '91aa0000-0000-4000-8000-000000000007', projectId: P, volumeId: V3, instanceId: S, volumeName: 'logs', instanceName: 'web1', backupStatus: 1, incremental: false, reason: null, createdAt: at(96) },
    { backupId: '6f1c0000-0000-4000-8000-000000000004', projectId: P, volumeId: V1, instanceId: S, volumeName: 'root', instanceName: 'web1', backupStatus: 2, incremental: false, reason: null, createdAt: at(72) },
    { backupId: 'NULL', projectId: P, volumeId: V1, instanceId: S, volumeName: 'root', instanceName: 'web1', backupStatus: 3, incremental: true, reason: 'Volume is not triger new backup task', createdAt: at(48) },
  ],
}
const BACKUP_IDS = FIXTURE.backups.map((b) => b.backupId!)
const IN_FLIGHT = '91aa0000-0000-4000-8000-000000000007'

interface AdoptJson {
  staffeln: string
  store: string
  dryRun: boolean
  backupDataRows: number
  adopted: { backupId: string; volumeId: string; serverId?: string; projectId: string; kind: string; status: string; createdAt: string; completedAt?: string }[]
  alreadyTracked: string[]
  skipped: { table: string; rowId: number; reason: string }[]
  unfinishedTasks: { rowId: number; state: string; action: string; backupId: string | null; volumeId: string }[]
  finishedTasks: number
}

const json = (r: CliResult): AdoptJson => {
  assert.equal(r.code, 0, describeRun(r))
  return JSON.parse(r.stdout) as AdoptJson
}
const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex')

async function withStaffeln<T>(fn: (ctx: { dir: string; staffelnPath: string; from: string; storeUrl: string }) => Promise<T>, fixture = FIXTURE): Promise<T> {
  const { dir, remove } = tempDir('swtest-adopt-')
  try {
    const staffelnPath = join(dir, 'staffeln.db')
    createStaffelnSqlite(staffelnPath, fixture)
    // SQLAlchemy's URL: sqlite:/// then the absolute path (four slashes in all).
    return await fn({ dir, staffelnPath, from: `sqlite:///${staffelnPath}`, storeUrl: `sqlite:${join(dir, 'snapwarden.sqlite')}` })
  } finally {
    remove()
  }
}

/** A loopback port nothing listens on (a server bound it, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

describe('adopt staffeln from a SQLite Staffeln database', () => {
  test("every backup_data row (and the in-flight task's backup) becomes a tracked backup; unfinished tasks are reported, not re-created; Staffeln's file is not written", () =>
    withStaffeln(async ({ dir, staffelnPath, from, storeUrl }) => {
      const before = sha256(staffelnPath)
      const r = json(await runCli(['adopt', 'staffeln', '--from', from, '--db', storeUrl, '--json'], { dir }))

      assert.equal(r.dryRun, false)
      assert.equal(r.backupDataRows, 6)
      assert.deepEqual(r.adopted.map((b) => b.backupId), [...BACKUP_IDS, IN_FLIGHT])
      assert.deepEqual(r.alreadyTracked, [])
      assert.deepEqual(r.skipped, [])
      const byId = new Map(r.adopted.map((b) => [b.backupId, b]))
      assert.deepEqual(
        { ...byId.get(BACKUP_IDS[1]!) },
        { backupId: BACKUP_IDS[1], volumeId: V1, serverId: S, projectId: P, kind: 'incremental', status: 'available', createdAt: at(24).toISOString(), completedAt: at(24).toISOString() },
      )
      assert.equal(byId.get(BACKUP_IDS[4]!)?.status, 'error', 'backup_completed 0 is a failed backup Staffeln meant to delete')
      assert.equal(byId.get(BACKUP_IDS[4]!)?.createdAt, at(-87_600).toISOString())
      assert.equal(byId.get(BACKUP_IDS[5]!)?.kind, 'full', 'incremental NULL: Staffeln made only full backups then')
      assert.equal(byId.get(IN_FLIGHT)?.status, 'creating')
      assert.deepEqual(
        r.unfinishedTasks.map((t) => [t.rowId, t.state, t.action, t.volumeId]),
        [
          [1, 'planned', 'not re-created', V2],
          [2, 'in progress', 'backup adopted', V3],
        ],
      )
      assert.equal(r.finishedTasks, 2)

      const store = openStore({ url: storeUrl })
      try {
        const rows = await store.listBackups()
        assert.deepEqual(rows.map((b) => b.backupId).sort(), [...BACKUP_IDS, IN_FLIGHT].sort())
        assert.equal((await store.getBackup(BACKUP_IDS[0]!))?.createdAt.toISOString(), at(0).toISOString())
        assert.deepEqual(await store.openTasks(), [], 'no backup task is created from Staffeln\'s queue')
      } finally {
        await store.close()
      }
      assert.equal(sha256(staffelnPath), before, "Staffeln's database file is unchanged")
      assert.equal(existsSync(`${staffelnPath}-journal`) || existsSync(`${staffelnPath}-wal`), false)
    }))

  test('re-running adds nothing twice, and leaves rows Snapwarden changed since (a deletion) as they are', () =>
    withStaffeln(async ({ dir, from, storeUrl }) => {
      json(await runCli(['adopt', 'staffeln', '--from', from, '--db', storeUrl, '--json'], { dir }))
      const store = openStore({ url: storeUrl })
      try {
        await store.markBackupDeleted(BACKUP_IDS[4]!, at(100))
        const again = json(await runCli(['adopt', 'staffeln', '--from', from, '--db', storeUrl, '--json'], { dir }))
        assert.deepEqual(again.adopted, [])
        assert.deepEqual(again.alreadyTracked, [...BACKUP_IDS, IN_FLIGHT])
        assert.equal(again.unfinishedTasks.find((t) => t.rowId === 2)?.action, 'backup already tracked')
        assert.equal((await store.listBackups({ includeDeleted: true })).length, 7)
        assert.equal((await store.getBackup(BACKUP_IDS[4]!))?.deletedAt?.toISOString(), at(100).toISOString(), 'a closed row stays closed')
        const human = await runCli(['adopt', 'staffeln', '--from', from, '--db', storeUrl], { dir })
        assert.equal(human.code, 0, describeRun(human))
        assert.match(human.stdout, /backup_data: 6 row\(s\); adopted 0 backup\(s\), already tracked 7, skipped 0/)
      } finally {
        await store.close()
      }
    }))

  test('--dry-run shows what would be adopted and writes nothing (no store is created)', () =>
    withStaffeln(async ({ dir, from, storeUrl }) => {
      const r = await runCli(['adopt', 'staffeln', '--from', from, '--db', storeUrl, '--dry-run'], { dir })
      assert.equal(r.code, 0, describeRun(r))
      assert.match(r.stdout, /would adopt 7 backup\(s\) \(1 of them in flight in queue_data\), already tracked 0, skipped 0/)
      for (const id of [...BACKUP_IDS, IN_FLIGHT]) assert.ok(r.stdout.includes(id), `${id} listed\n${r.stdout}`)
      assert.match(r.stdout, /in progress .* backup would be adopted/)
      assert.equal(existsSync(storeUrl.slice('sqlite:'.length)), false, 'the dry run created no store')

      // With a store that already tracks some: they are counted, still nothing written.
      json(await runCli(['adopt', 'staffeln', '--from', from, '--db', storeUrl, '--json'], { dir }))
      const dry = json(await runCli(['adopt', 'staffeln', '--from', from, '--db', storeUrl, '--json', '--dry-run'], { dir }))
      assert.equal(dry.dryRun, true)
      assert.deepEqual(dry.adopted, [])
      assert.equal(dry.alreadyTracked.length, 7)
    }))

  test('adopted backups are protected by the protection API (False); unknown ones stay deletable (True)', () =>
    withStaffeln(async ({ dir, from, storeUrl }) => {
      // An empty store the API can open, before the adoption.
      const s = openStore({ url: storeUrl })
      await s.migrate()
      await s.close()
      const reader = openTrackedBackupReader(storeUrl)
      const app = buildProtectionApp({ lookup: reader })
      const base = await app.listen({ host: '127.0.0.1', port: 0 })
      const ask = async (id: string) => (await fetch(`${base}/v1/backup?backup_id=${id}`, { method: 'POST' })).text()
      try {
        assert.equal(await ask(BACKUP_IDS[0]!), 'True', "before the adoption Snapwarden does not know Staffeln's backups")
        json(await runCli(['adopt', 'staffeln', '--from', from, '--db', storeUrl, '--json'], { dir }))
        for (const id of [...BACKUP_IDS, IN_FLIGHT]) assert.equal(await ask(id), 'False', `adopted ${id} is protected`)
        assert.equal(await ask('0b7d0000-0000-4000-8000-00000000ffff'), 'True', 'a backup neither tool made')
      } finally {
        await app.close()
        await reader.close()
      }
    }))

  test("adopted backups are expired by the same chain-aware retention, children first; Staffeln's unadopted backups are never touched", async () => {
    const b = await startBackupHarness()
    try {
      const adopted = addProtectedServer(b.sim, b.projectId, 'staffeln-adopted')
      const control = addProtectedServer(b.sim, b.projectId, 'staffeln-not-adopted')
      const now = b.h.clock.now()
      // What Staffeln made in Cinder: no marks, its names; an old chain and a recent full.
      const chain = (volumeId: string, server: string) => {
        const f1 = b.sim.state.addBackup({ volumeId, name: `${server}_vol_1`, createdAt: now - 50 * HOUR })
        const i1 = b.sim.state.addBackup({ volumeId, name: `${server}_vol_2`, createdAt: now - 49 * HOUR, parentId: f1.id })
        const i2 = b.sim.state.addBackup({ volumeId, name: `${server}_vol_3`, createdAt: now - 48 * HOUR, parentId: i1.id })
        const f2 = b.sim.state.addBackup({ volumeId, name: `${server}_vol_4`, createdAt: now - 10 * 60_000 })
        return [f1, i1, i2, f2]
      }
      const mine = chain(adopted.volumes[0]!.id, 'adopted')
      const theirs = chain(control.volumes[0]!.id, 'control')
      const row = (backupId: string, incremental: boolean, createdAt: number): StaffelnBackupFixture => ({
        backupId, projectId: b.projectId, volumeId: adopted.volumes[0]!.id, instanceId: adopted.server.id, backupCompleted: 1, incremental, createdAt: new Date(createdAt),
      })
      const { dir, remove } = tempDir('swtest-adopt-')
      try {
        const staffelnPath = join(dir, 'staffeln.db')
        createStaffelnSqlite(staffelnPath, { backups: mine.map((x) => row(x.id, x.parentId !== null, x.createdAt)), queue: [] })
        json(await runCli(['adopt', 'staffeln', '--from', `sqlite:///${staffelnPath}`, '--db', b.storeUrl, '--json'], { dir }))
      } finally {
        remove()
      }

      const report = await runRetentionCycle(b.deps(backupConfig({ retention_time: '1d' })), { allProjects: false })

      const [f1, i1, i2, f2] = mine.map((x) => x.id)
      assert.deepEqual(report.deleted, [i2, i1, f1], 'the expired chain goes, children first')
      assert.deepEqual(simBackupsOf(b.sim, adopted.volumes[0]!.id).map((x) => x.id), [f2])
      for (const id of [f1, i1, i2]) assert.ok((await b.store.getBackup(id!))?.deletedAt, `row of ${id} closed`)
      assert.deepEqual(simBackupsOf(b.sim, control.volumes[0]!.id).map((x) => x.id), theirs.map((x) => x.id), 'not adopted: not ours, never removed')
    } finally {
      await b.close()
    }
  })

  test("a Staffeln schema from before the incremental/reason/name columns is read (those as NULL)", () =>
    withStaffeln(async ({ dir, staffelnPath, from, storeUrl }) => {
      const old = STAFFELN_DDL.sqlite.map((s) =>
        s.replace(/\tincremental BOOLEAN, \n/g, '').replace(/\treason VARCHAR\(255\), \n/, '').replace(/\tvolume_name VARCHAR\(100\), \n\tinstance_name VARCHAR\(100\), \n/, ''),
      )
      assert.ok(!old.join('').includes('incremental'), 'the old schema has no incremental column')
      const { rmSync } = await import('node:fs')
      rmSync(staffelnPath)
      const { default: SqliteDatabase } = await import('better-sqlite3')
      const db = new SqliteDatabase(staffelnPath)
      for (const s of old) db.exec(s)
      db.exec(`INSERT INTO backup_data (created_at, backup_id, project_id, volume_id, instance_id, backup_completed) VALUES ('2022-06-01 10:00:00.000000', 'old-1', '${P}', '${V1}', '${S}', 1)`)
      db.exec(`INSERT INTO queue_data (created_at, backup_id, project_id, volume_id, instance_id, backup_status) VALUES ('2022-06-01 10:00:00.000000', 'NULL', '${P}', '${V2}', '${S}', 0)`)
      db.close()
      const r = json(await runCli(['adopt', 'staffeln', '--from', from, '--db', storeUrl, '--json'], { dir }))
      assert.deepEqual(r.adopted.map((b) => [b.backupId, b.kind, b.createdAt]), [['old-1', 'full', '2022-06-01T10:00:00.000Z']])
      assert.deepEqual(r.unfinishedTasks.map((t) => [t.state, t.action]), [['planned', 'not re-created']])
    }))

  test('--staffeln-conf reads [database] connection from staffeln.conf', () =>
    withStaffeln(async ({ dir, from, storeUrl }) => {
      const conf = join(dir, 'staffeln.conf')
      writeFileSync(conf, `[DEFAULT]\ndebug = true\n\n[conductor]\nbackup_metadata_key = __staffeln_backup\n\n[database]\n# oslo.db\nconnection = ${from}\n`)
      const r = json(await runCli(['adopt', 'staffeln', '--staffeln-conf', conf, '--db', storeUrl, '--json'], { dir }))
      assert.equal(r.adopted.length, 7)
      const none = await runCli(['adopt', 'staffeln', '--staffeln-conf', join(dir, 'missing.conf'), '--db', storeUrl], { dir })
      assert.equal(none.code, 1, describeRun(none))
      assert.match(none.stderr, /--staffeln-conf .*missing\.conf cannot be read: ENOENT/)
    }))
})

describe('adopt staffeln: bad sources are named, credentials never shown', () => {
  const PASSWORD = 'Sup3r-s3cret/pw'
  const encoded = encodeURIComponent(PASSWORD)

  test('an unreachable MySQL server: exit 2 (STAFFELN_UNAVAILABLE) naming it with user:***, never the password', async () => {
    const port = await closedPort()
    const r = await runCli(['adopt', 'staffeln', '--from', `mysql+pymysql://staffeln:${encoded}@127.0.0.1:${port}/staffeln?charset=utf8`, '--db', ':memory:', '--debug'])
    assert.equal(r.code, 2, describeRun(r))
    assert.match(r.stderr, /\[STAFFELN_UNAVAILABLE\]/)
    assert.ok(r.stderr.includes(`mysql+pymysql://staffeln:***@127.0.0.1:${port}/staffeln`), r.stderr)
    assert.match(r.stderr, /ECONNREFUSED/)
    for (const secret of [PASSWORD, encoded, 'Sup3r']) assert.ok(!`${r.stdout}${r.stderr}`.includes(secret), `no ${secret} in\n${describeRun(r)}`)
  })

  test('URLs that cannot be used: exit 1 naming what is wrong and what is accepted, without the password', async () => {
    const cases: [string, RegExp][] = [
      [`postgresql://staffeln:${encoded}@127.0.0.1/staffeln`, /scheme postgresql is not read/],
      [`mysql://staffeln:${encoded}@127.0.0.1:99999/staffeln`, /port "99999"/],
      [`mysql://staffeln:${encoded}@127.0.0.1/staffeln?read_default_file=/etc/my.cnf`, /query parameter read_default_file is not supported/],
      [`mysql://staffeln:${encoded}@127.0.0.1:3306/`, /names no database/],
      [`mysql://staffeln:Sup3r@x@127.0.0.1/staffeln`, /raw "@": write it as %40/],
      [`mysql://staffeln:Sup3r%zz@127.0.0.1/staffeln`, /invalid percent-encoding/],
      ['sqlite://', /in-memory/],
    ]
    for (const [url, expected] of cases) {
      const r = await runCli(['adopt', 'staffeln', '--from', url, '--db', ':memory:'])
      assert.equal(r.code, 1, `${url}\n${describeRun(r)}`)
      assert.match(r.stderr, expected)
      assert.match(r.stderr, /accepted: mysql\+pymysql:\/\/user:password@host:port\/staffeln/)
      assert.ok(!r.stderr.includes('Sup3r') && !r.stderr.includes(encoded), r.stderr)
    }
    const none = await runCli(['adopt', 'staffeln'])
    assert.equal(none.code, 1, describeRun(none))
    assert.match(none.stderr, /needs Staffeln's database: --from <url>/)
  })

  test('a missing SQLite file and a database without Staffeln\'s tables: exit 2 naming them; nothing adopted', () =>
    withStaffeln(async ({ dir, storeUrl }) => {
      const missing = join(dir, 'nope.db')
      const r = await runCli(['adopt', 'staffeln', '--from', `sqlite:///${missing}`, '--db', storeUrl], { dir })
      assert.equal(r.code, 2, describeRun(r))
      assert.match(r.stderr, /\[STAFFELN_UNAVAILABLE\].*nope\.db cannot be opened read-only/)
      assert.equal(existsSync(missing), false, 'the missing file was not created')

      const other = join(dir, 'other.db')
      const { default: SqliteDatabase } = await import('better-sqlite3')
      const db = new SqliteDatabase(other)
      db.exec('CREATE TABLE backup_data (id INTEGER PRIMARY KEY, backup_id TEXT)')
      db.close()
      const s = await runCli(['adopt', 'staffeln', '--from', `sqlite:///${other}`, '--db', storeUrl], { dir })
      assert.equal(s.code, 2, describeRun(s))
      assert.match(s.stderr, /\[STAFFELN_SCHEMA\]: not a Staffeln database: missing backup_data\.project_id, backup_data\.volume_id, .*table queue_data/)
      assert.equal(existsSync(storeUrl.slice('sqlite:'.length)), false, 'nothing was written to the store')
    }))
})
