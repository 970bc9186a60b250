/**
 * Staffeln's `[database] connection` URL, read as SQLAlchemy reads it (oslo.db passes it through):
 * `mysql+pymysql://user:pass@host:port/staffeln?charset=utf8` (any `mysql`/`mariadb` driver suffix;
 * `mysql://` too), or `sqlite:///relative.db` / `sqlite:////absolute/path.db` (SQLAlchemy: the path
 * is what follows the third slash). User and password are percent-decoded, as SQLAlchemy does.
 * Errors never contain the password: they show the URL through redactUrl.
 */
import { UserError } from '../../domain/errors.ts'
import { redactUrl } from '../errors.ts'

export interface StaffelnMysqlTarget {
  readonly dialect: 'mysql'
  readonly user?: string
  readonly password?: string
  readonly host: string
  readonly port: number
  readonly database: string
  /** `?unix_socket=`: connect through this socket instead of host:port (pymysql's parameter). */
  readonly socketPath?: string
  /** `?ssl_ca=`, `?ssl_cert=`, `?ssl_key=`: PEM files (pymysql's parameters). */
  readonly ssl?: { readonly ca?: string; readonly cert?: string; readonly key?: string }
  /** The URL as shown in messages: password replaced by `***`. */
  readonly display: string
}

export interface StaffelnSqliteTarget {
  readonly dialect: 'sqlite'
  readonly path: string
  readonly display: string
}

export type StaffelnTarget = StaffelnMysqlTarget | StaffelnSqliteTarget

/** Query parameters of a MySQL URL: used (`unix_socket`, `ssl_*`) or harmless to ignore (`charset`, `plugin`). */
export const ACCEPTED_MYSQL_PARAMETERS = ['charset', 'plugin', 'unix_socket', 'ssl_ca', 'ssl_cert', 'ssl_key'] as const

const ACCEPTED = 'mysql+pymysql://user:password@host:port/staffeln (or mysql://, mariadb://), or sqlite:///relative/path.db, sqlite:////absolute/path.db'

// SQLAlchemy's URL pattern (sqlalchemy/engine/url.py `_parse_url`): the password cannot hold a raw `@`.
const URL_PATTERN =
  /^(?<name>[\w+]+):\/\/(?:(?<username>[^:/]*)(?::(?<password>[^@]*))?@)?(?:(?:\[(?<ipv6host>[^/?]+)\]|(?<ipv4host>[^/:?]+))?(?::(?<port>[^/?]*))?)?(?:\/(?<database>[^?]*))?(?:\?(?<query>.*))?$/s

export function parseStaffelnUrl(url: string): StaffelnTarget {
  const raw = url.trim()
  if (raw === '') throw new UserError(`--from is empty; accepted: ${ACCEPTED}`, 'CLI_USAGE')
  const m = URL_PATTERN.exec(raw)
  if (!m?.groups) {
    // Not shown: without the URL's structure there is no telling where a password would be.
    throw new UserError(`--from (not shown) is not a database URL; accepted: ${ACCEPTED}`, 'CLI_USAGE')
  }
  const g = m.groups
  const display = displayOf(g)
  const bad = (what: string): UserError => new UserError(`--from ${display}: ${what}; accepted: ${ACCEPTED}`, 'CLI_USAGE')
  const scheme = (g.name ?? '').toLowerCase()
  const [backend] = scheme.split('+')
  if (backend === 'sqlite') {
    if (g.username !== undefined || g.ipv4host || g.ipv6host || g.port !== undefined) throw bad('a SQLite URL names no user or host (write sqlite:///<path>)')
    if (g.query !== undefined) throw bad('query parameters are not read for SQLite')
    const path = decode(g.database ?? '', 'path', bad)
    if (path === '' || path === ':memory:') throw bad('names no database file (sqlite:// is an in-memory database)')
    return { dialect: 'sqlite', path, display }
  }
  if (backend !== 'mysql' && backend !== 'mariadb') throw bad(`the scheme ${scheme} is not read (Staffeln runs on MySQL/MariaDB or SQLite)`)
  // SQLAlchemy ends the password at its first `@`: the rest of it would be read as the host.
  if ((g.ipv4host ?? '').includes('@')) throw bad('the password holds a raw "@": write it as %40')
  const database = decode(g.database ?? '', 'database name', bad)
  if (database === '' || database.includes('/')) throw bad('names no database (…/staffeln)')
  let port = 3306
  if (g.port !== undefined && g.port !== '') {
    if (!/^\d{1,5}$/.test(g.port) || Number(g.port) > 65535) throw bad(`port "${g.port}" is not a number from 1 to 65535`)
    port = Number(g.port)
  }
  const params = new URLSearchParams(g.query ?? '')
  const unknown = [...params.keys()].filter((k) => !(ACCEPTED_MYSQL_PARAMETERS as readonly string[]).includes(k))
  if (unknown.length) throw bad(`query parameter ${unknown.join(', ')} is not supported (supported: ${ACCEPTED_MYSQL_PARAMETERS.join(', ')})`)
  const ssl = {
    ...(params.get('ssl_ca') ? { ca: params.get('ssl_ca')! } : {}),
    ...(params.get('ssl_cert') ? { cert: params.get('ssl_cert')! } : {}),
    ...(params.get('ssl_key') ? { key: params.get('ssl_key')! } : {}),
  }
  const user = g.username !== undefined ? decode(g.username, 'user', bad) : undefined
  const password = g.password !== undefined ? decode(g.password, 'password', bad) : undefined
  return {
    dialect: 'mysql',
    ...(user ? { user } : {}),
    ...(password !== undefined ? { password } : {}),
    host: g.ipv6host ?? g.ipv4host ?? 'localhost',
    port,
    database,
    ...(params.get('unix_socket') ? { socketPath: params.get('unix_socket')! } : {}),
    ...(Object.keys(ssl).length ? { ssl } : {}),
    display,
  }
}

/** The URL rebuilt from its parts with the password as `***` (wherever it holds `?`, `/` or `:`). */
function displayOf(g: Record<string, string | undefined>): string {
  const user = g.username !== undefined ? `${g.username}${g.password !== undefined ? ':***' : ''}@` : ''
  const host = g.ipv6host !== undefined ? `[${g.ipv6host}]` : (g.ipv4host ?? '')
  const port = g.port !== undefined ? `:${g.port}` : ''
  const database = g.database !== undefined ? `/${g.database}` : ''
  const query = g.query !== undefined ? `?${g.query}` : ''
  return redactUrl(`${g.name}://${user}${host}${port}${database}${query}`)
}

function decode(value: string, what: string, bad: (what: string) => UserError): string {
  try {
    return decodeURIComponent(value)
  } catch {
    // The password's value is never part of the message.
    throw bad(`the ${what} has an invalid percent-encoding`)
  }
}
