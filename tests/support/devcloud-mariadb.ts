/**
 * The devcloud's MariaDB (../shared/devcloud: 127.0.0.1:3306, its own datadir), administered as root
 * through its socket with Debian's `mariadb` client and the devcloud's my.cnf (root authenticates by
 * unix_socket; the tests run as root, as the devcloud does). Fails, never skips, when it is absent.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'

const DC_STATE = process.env.DC_STATE ?? '/var/lib/devcloud'
export const DEVCLOUD_MY_CNF = join(DC_STATE, 'etc', 'mysql', 'my.cnf')
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
