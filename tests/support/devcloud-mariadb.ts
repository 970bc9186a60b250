/**
 * The devcloud's MariaDB (../shared/devcloud: 127.0.0.1:3306, its own datadir), administered as root
 * through its socket with Debian's `mariadb` client and the devcloud's my.cnf (root authenticates by
 * unix_socket; the tests run as root, as the devcloud does). Fails, never skips, when it is absent.
 */
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { join } from 'node:path'

const DC_STATE = process.env.DC_STATE ?? '/var/lib/devcloud'
export const DEVCLOUD_MY_CNF = join(DC_STATE, 'etc', 'mysql', 'my.cnf')
/** Where the devcloud's MariaDB keeps its socket (`mysqld.sock`). */
export const DEVCLOUD_RUN = join(DC_STATE, 'run')
export const DEVCLOUD_MARIADB = { host: '127.0.0.1', port: 3306 } as const

/** Runs SQL as MariaDB's root (through the socket); resolves to the tab-separated output. */
export function mariadbRoot(sql: string, database?: string): Promise<string> {
  if (!existsSync(DEVCLOUD_MY_CNF)) {
    return Promise.reject(new Error(`devcloud MariaDB not found: ${DEVCLOUD_MY_CNF} does not exist (run ../shared/devcloud/up.sh)`))
  }
  const args = [`--defaults-file=${DEVCLOUD_MY_CNF}`, '-uroot', '--batch', '--skip-column-names', ...(database ? [database] : [])]
  return new Promise((resolve, reject) => {
    const child = execFile('mariadb', args, { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`mariadb as root failed: ${stderr.trim() || err.message}`))
      else resolve(stdout)
    })
    child.stdin?.end(sql)
  })
}

/** A MySQL string literal. */
export const sqlString = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`

export interface StaffelnMariadb {
  readonly database: string
  readonly user: string
  readonly password: string
  /** `mysql+pymysql://user:password@127.0.0.1:3306/<database>?charset=utf8`, as oslo.db writes it. */
  readonly url: string
  /** Drops the database and the user. */
  drop(): Promise<void>
}

/**
 * A database `swtest_staffeln_<random>` with `statements` run in it (Staffeln's schema and rows) and
 * a user `swtest_ro_<random>`@127.0.0.1 that may only SELECT from it. Call drop() in `finally`.
 */
export async function createStaffelnMariadb(statements: readonly string[]): Promise<StaffelnMariadb> {
  const run = randomBytes(4).toString('hex')
  const database = `swtest_staffeln_${run}`
  const user = `swtest_ro_${run}`
  // Characters a URL must percent-encode, so the decoding is exercised.
  const password = `r0:${run}/p@ss w%rd`
  const drop = () => mariadbRoot(`DROP DATABASE IF EXISTS ${database}; DROP USER IF EXISTS ${sqlString(user)}@'127.0.0.1';`).then(() => undefined)
  try {
    await mariadbRoot(
      [
        `CREATE DATABASE ${database};`,
        `CREATE USER ${sqlString(user)}@'127.0.0.1' IDENTIFIED BY ${sqlString(password)};`,
        `GRANT SELECT ON ${database}.* TO ${sqlString(user)}@'127.0.0.1';`,
        `USE ${database};`,
        ...statements.map((s) => `${s};`),
      ].join('\n'),
    )
  } catch (err) {
    await drop().catch(() => {})
    throw err
  }
  const url = `mysql+pymysql://${user}:${encodeURIComponent(password)}@${DEVCLOUD_MARIADB.host}:${DEVCLOUD_MARIADB.port}/${database}?charset=utf8`
  return { database, user, password, url, drop }
}
