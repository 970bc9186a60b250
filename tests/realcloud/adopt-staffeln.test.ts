/**
 * `snapwarden adopt staffeln` against a real MariaDB: the devcloud's (Debian's mariadb-server on
 * 127.0.0.1:3306). Each run creates a database `swtest_staffeln_<random>` with Staffeln's schema as
 * SQLAlchemy creates it on MySQL, fills it, and a user that may only SELECT from it (so a successful
 * adoption also shows that nothing is written); the real CLI adopts through
 * `mysql+pymysql://user:password@127.0.0.1:3306/<db>?charset=utf8` (tests/support/devcloud-mariadb.ts).
 * Database and user are dropped in `after`.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { createConnection } from 'mysql2/promise'
import { openStore } from '../../src/store/index.ts'
import { createStaffelnMariadb, DEVCLOUD_MARIADB, DEVCLOUD_RUN, mariadbRoot, sqlString, type StaffelnMariadb } from '../support/devcloud-mariadb.ts'
import { describeRun, runCli, tempDir, type CliResult } from '../support/run-cli.ts'
import { STAFFELN_DDL, staffelnInserts, type StaffelnFixture } from '../support/staffeln-db.ts'

const P = '0c1d2e3f40514a6b8c9d0e1f2a3b4c5d'
const S = '1b2c3d4e-5f60-4718-8a9b-0c1d2e3f4a5b'
const V1 = '2c3d4e5f-6071-4829-9bac-1d2e3f4a5b6c'
const V2 = '3d4e5f60-7182-4930-8cbd-2e3f4a5b6c7d'
/** Fractions of a second: a DATETIME without fractional digits keeps whole seconds. */
const T0 = Date.parse('2026-11-20T02:00:41.512Z')
const at = (hours: number): Date => new Date(T0 + hours * 3_600_000)
const seconds = (d: Date): string => new Date(Math.floor(d.getTime() / 1000) * 1000).toISOString()
const id = (n: number): string => `4e5f6071-8293-4a41-9dce-${String(n).padStart(12, '0')}`

const FIXTURE: StaffelnFixture = {
  backups: [
    { backupId: id(1), projectId: P, volumeId: V1, instanceId: S, backupCompleted: 1, incremental: false, createdAt: at(0) },
    { backupId: id(2), projectId: P, volumeId: V1, instanceId: S, backupCompleted: 1, incremental: true, createdAt: at(24) },
    { backupId: id(3), projectId: P, volumeId: V1, instanceId: S, backupCompleted: 0, incremental: true, createdAt: at(-87_600) },
    { backupId: id(4), projectId: P, volumeId: V2, instanceId: S, backupCompleted: 1, incremental: null, createdAt: at(30) },
  ],
  queue: [
    { backupId: 'NULL', projectId: P, volumeId: V2, instanceId: S, volumeName: 'data', instanceName: "web'1", backupStatus: 0, incremental: false, reason: null, createdAt: at(48) },
    { backupId: id(5), projectId: P, volumeId: V1, instanceId: S, volumeName: 'root', instanceName: "web'1", backupStatus: 1, incremental: true, reason: null, createdAt: at(48) },
    { backupId: id(4), projectId: P, volumeId: V2, instanceId: S, volumeName: 'data', instanceName: "web'1", backupStatus: 2, incremental: false, reason: null, createdAt: at(30) },
    { backupId: 'NULL', projectId: P, volumeId: V1, instanceId: S, volumeName: 'root', instanceName: "web'1", backupStatus: 3, incremental: false, reason: 'Volume 2c3d… is in error status', createdAt: at(40) },
  ],
}
const ADOPTED = [id(1), id(2), id(3), id(4), id(5)]

interface AdoptJson {
  staffeln: string
  adopted: { backupId: string; volumeId: string; serverId?: string; projectId: string; kind: string; status: string; createdAt: string }[]
  alreadyTracked: string[]
  unfinishedTasks: { rowId: number; state: string; action: string; instanceName: string | null }[]
  finishedTasks: number
}

const parse = (r: CliResult): AdoptJson => {
  assert.equal(r.code, 0, describeRun(r))
  return JSON.parse(r.stdout) as AdoptJson
}
describe('adopt staffeln from a real MariaDB (the devcloud\'s)', () => {
  const dir = tempDir('swtest-adopt-maria-')
  const storeUrl = `sqlite:${join(dir.dir, 'snapwarden.sqlite')}`

  let maria: StaffelnMariadb
  /** Filled in before(): the database, the user, its password and the URL of this run. */
  let DB = ''
  let USER = ''
  let PASSWORD = ''
  let URL_PASSWORD = ''
  let FROM = ''

  before(async () => {
    maria = await createStaffelnMariadb([...STAFFELN_DDL.mysql, ...staffelnInserts(FIXTURE)])
    ;({ database: DB, user: USER, password: PASSWORD, url: FROM } = maria)
    URL_PASSWORD = encodeURIComponent(PASSWORD)
  })

  after(async () => {
    try {
      await maria?.drop()
    } finally {
      dir.remove()
    }
  })

  const noSecret = (r: CliResult): void => {
    const text = `${r.stdout}${r.stderr}`
    for (const s of [PASSWORD, URL_PASSWORD]) assert.ok(!text.includes(s), `the password shows (${s}):\n${describeRun(r)}`)
  }
  /** Staffeln's table contents, to show they are unchanged. */
  const checksum = (): Promise<string> => mariadbRoot(`CHECKSUM TABLE backup_data, queue_data EXTENDED;`, DB)

  test("the schema is Staffeln's as SQLAlchemy creates it on MySQL (types as information_schema reports them)", async () => {
    const cols = await mariadbRoot(
      `SELECT table_name, column_name, column_type, is_nullable FROM information_schema.columns WHERE table_schema = ${sqlString(DB)} AND table_name = 'backup_data' ORDER BY ordinal_position;`,
    )
    assert.deepEqual(
      cols.trim().split('\n').map((l) => l.split('\t').slice(1).join(' ')),
      [
        'created_at datetime YES',
        'updated_at datetime YES',
        'id int(11) NO',
        'backup_id varchar(100) YES',
        'project_id varchar(100) YES',
        'volume_id varchar(100) YES',
        'instance_id varchar(100) YES',
        'backup_completed int(11) YES',
        'incremental tinyint(1) YES',
      ],
    )
  })

  test('the adopting user can only read (so the adoption cannot have written)', async () => {
    const conn = await createConnection({ host: DEVCLOUD_MARIADB.host, port: DEVCLOUD_MARIADB.port, user: USER, password: PASSWORD, database: DB })
    try {
      await assert.rejects(conn.query("INSERT INTO backup_data (backup_id) VALUES ('x')"), (err: { code?: string }) => err.code === 'ER_TABLEACCESS_DENIED_ERROR')
      const [rows] = await conn.query('SELECT COUNT(*) AS n FROM backup_data')
      assert.equal((rows as { n: number }[])[0]?.n, 4)
    } finally {
      await conn.end()
    }
  })

  test('--dry-run through mysql:// shows every backup it would adopt and writes nothing', async () => {
    const r = await runCli(['adopt', 'staffeln', '--from', FROM.replace('mysql+pymysql://', 'mysql://'), '--db', storeUrl, '--dry-run'], { dir: dir.dir })
    assert.equal(r.code, 0, describeRun(r))
    noSecret(r)
    assert.ok(r.stdout.includes(`Staffeln database: mysql://${USER}:***@127.0.0.1:3306/${DB}?charset=utf8 (read-only)`), r.stdout)
    assert.match(r.stdout, /would adopt 5 backup\(s\) \(1 of them in flight in queue_data\), already tracked 0, skipped 0/)
    for (const b of ADOPTED) assert.ok(r.stdout.includes(b), `${b} listed`)
  })

  test("adopts backup_data rows and the in-flight task's backup, reports unfinished tasks; Staffeln's tables are unchanged", async () => {
    const before = await checksum()
    const r = await runCli(['adopt', 'staffeln', '--from', FROM, '--db', storeUrl, '--json'], { dir: dir.dir })
    noSecret(r)
    const out = parse(r)
    assert.equal(out.staffeln, `mysql+pymysql://${USER}:***@127.0.0.1:3306/${DB}?charset=utf8`)
    assert.deepEqual(
      out.adopted.map((b) => [b.backupId, b.volumeId, b.serverId, b.projectId, b.kind, b.status, b.createdAt]),
      [
        [id(1), V1, S, P, 'full', 'available', seconds(at(0))],
        [id(2), V1, S, P, 'incremental', 'available', seconds(at(24))],
        [id(3), V1, S, P, 'incremental', 'error', seconds(at(-87_600))],
        [id(4), V2, S, P, 'full', 'available', seconds(at(30))],
        [id(5), V1, S, P, 'incremental', 'creating', seconds(at(48))],
      ],
    )
    assert.deepEqual(
      out.unfinishedTasks.map((t) => [t.rowId, t.state, t.action, t.instanceName]),
      [
        [1, 'planned', 'not re-created', "web'1"],
        [2, 'in progress', 'backup adopted', "web'1"],
      ],
    )
    assert.equal(out.finishedTasks, 2)
    assert.equal(await checksum(), before)

    const store = openStore({ url: storeUrl })
    try {
      assert.deepEqual((await store.listBackups()).map((b) => b.backupId).sort(), [...ADOPTED].sort())
      for (const b of ADOPTED) assert.equal(await store.isTracked(b), true)
    } finally {
      await store.close()
    }

    const again = parse(await runCli(['adopt', 'staffeln', '--from', FROM, '--db', storeUrl, '--json'], { dir: dir.dir }))
    assert.deepEqual(again.adopted, [], 're-running adds nothing')
    assert.deepEqual(again.alreadyTracked, ADOPTED)
  })

  test("through the server's unix socket (?unix_socket=, pymysql's parameter)", async () => {
    const socket = join(DEVCLOUD_RUN, 'mysqld.sock')
    const local = `${sqlString(USER)}@'localhost'`
    // Its own password: over TCP (as USER@127.0.0.1) it would be refused, so success means the socket.
    const socketPassword = `${PASSWORD}-socket`
    await mariadbRoot(`CREATE USER ${local} IDENTIFIED BY ${sqlString(socketPassword)}; GRANT SELECT ON ${DB}.* TO ${local};`)
    try {
      const url = `mysql+pymysql://${USER}:${encodeURIComponent(socketPassword)}@localhost/${DB}?unix_socket=${encodeURIComponent(socket)}&charset=utf8`
      const tcp = await runCli(['adopt', 'staffeln', '--from', url.replace(/\?unix_socket=[^&]*&/, '?'), '--db', storeUrl, '--dry-run'], { dir: dir.dir })
      assert.equal(tcp.code, 2, `the socket user's password does not work over TCP\n${describeRun(tcp)}`)
      const r = await runCli(['adopt', 'staffeln', '--from', url, '--db', storeUrl, '--dry-run', '--json'], { dir: dir.dir })
      noSecret(r)
      const out = parse(r)
      assert.equal(out.adopted.length + out.alreadyTracked.length, ADOPTED.length, r.stdout)
    } finally {
      await mariadbRoot(`DROP USER IF EXISTS ${local};`)
    }
  })

  test('a wrong password or an unknown database: exit 2 (STAFFELN_UNAVAILABLE) with the server\'s reason, never the password', async () => {
    const wrong = await runCli(['adopt', 'staffeln', '--from', FROM.replace(URL_PASSWORD, `${URL_PASSWORD}x`), '--db', storeUrl], { dir: dir.dir })
    assert.equal(wrong.code, 2, describeRun(wrong))
    noSecret(wrong)
    assert.match(wrong.stderr, /\[STAFFELN_UNAVAILABLE\].*:\*\*\*@127\.0\.0\.1:3306.*Access denied for user/)

    const unknown = await runCli(['adopt', 'staffeln', '--from', FROM.replace(`/${DB}?`, `/${DB}_missing?`), '--db', storeUrl], { dir: dir.dir })
    assert.equal(unknown.code, 2, describeRun(unknown))
    noSecret(unknown)
    assert.match(unknown.stderr, /\[STAFFELN_UNAVAILABLE\].*(Access denied|Unknown database)/)
  })
})
