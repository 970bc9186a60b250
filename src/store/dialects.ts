import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { PostgresDialect, SqliteDialect, type Dialect } from 'kysely'
import pg from 'pg'
import { redactUrl, StoreUnavailableError } from './errors.ts'

/** Where the store lives, parsed from a URL. */
export type StoreTarget =
  | { readonly dialect: 'sqlite'; readonly path: string }
  | { readonly dialect: 'postgres'; readonly url: string }

/**
 * `postgres://…` / `postgresql://…` → PostgreSQL; `sqlite:<path>`, `sqlite://<path>`, `:memory:`
 * or a plain path → SQLite. Any other `scheme://` is refused.
 */
export function parseStoreUrl(url: string): StoreTarget {
  const trimmed = url.trim()
  if (trimmed === '') throw new StoreUnavailableError('store URL is empty')
  if (/^postgres(ql)?:\/\//i.test(trimmed)) return { dialect: 'postgres', url: trimmed }
  if (/^sqlite:/i.test(trimmed)) {
    const rest = trimmed.slice('sqlite:'.length)
    const path = rest.startsWith('//') ? rest.slice(2) : rest
    if (path === '') throw new StoreUnavailableError('store URL sqlite: names no file')
    return { dialect: 'sqlite', path }
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) {
    throw new StoreUnavailableError(
      `store URL ${redactUrl(trimmed)} has an unsupported scheme (use sqlite:<path> or postgres://…)`,
    )
  }
  return { dialect: 'sqlite', path: trimmed }
}

/**
 * The default store: `$XDG_STATE_HOME/snapwarden/snapwarden.sqlite`, else
 * `<home>/.local/state/snapwarden/snapwarden.sqlite` (XDG Base Directory spec; a relative
 * XDG_STATE_HOME is ignored, as the spec says).
 */
export function defaultStoreUrl(env: Readonly<Record<string, string | undefined>>, home: string): string {
  const xdg = env.XDG_STATE_HOME
  const base = xdg && xdg.startsWith('/') ? xdg : join(home, '.local', 'state')
  return `sqlite:${join(base, 'snapwarden', 'snapwarden.sqlite')}`
}

export interface OpenedDialect {
  readonly dialect: Dialect
  /** The raw better-sqlite3 handle (SQLite only): synchronous `BEGIN IMMEDIATE` transactions. */
  readonly sqlite?: SqliteDatabase.Database
  /** Shown in messages and logs: the path, or the URL without its password. */
  readonly display: string
}

/** How long a SQLite writer waits for another writer before SQLITE_BUSY. */
const SQLITE_BUSY_TIMEOUT_MS = 5000

/** PostgreSQL BIGINT (oid 20) as a JS number: timestamps are epoch ms, counts are small. */
const PG_TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20) return (value: string) => Number(value)
    return pg.types.getTypeParser(oid, format as 'text')
  },
}

export function openDialect(target: StoreTarget, opts: { readonly poolSize?: number } = {}): OpenedDialect {
  if (target.dialect === 'postgres') {
    const display = redactUrl(target.url)
    const pool = new pg.Pool({ connectionString: target.url, max: opts.poolSize ?? 5, types: PG_TYPES })
    // An idle client losing its server must not crash the process; the next query reports it.
    pool.on('error', () => {})
    return { dialect: new PostgresDialect({ pool }), display }
  }
  const memory = target.path === ':memory:'
  let db: SqliteDatabase.Database
  try {
    if (!memory) mkdirSync(dirname(target.path), { recursive: true })
    db = new SqliteDatabase(target.path)
    db.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`)
    if (!memory) db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    db.pragma('foreign_keys = ON')
  } catch (err) {
    throw new StoreUnavailableError(`cannot open SQLite store ${target.path}: ${(err as Error).message}`, { cause: err })
  }
  return { dialect: new SqliteDialect({ database: cachedStatements(db) }), sqlite: db, display: `sqlite:${target.path}` }
}

/** Prepared statements kept per SQL text: the store sends the same few statements per task, and preparing costs more than running them. */
const STATEMENT_CACHE = 256

/**
 * The database as Kysely's SQLite driver sees it, re-using prepared statements. Safe because the
 * store never streams (a statement being iterated would be busy); every query runs to its end
 * synchronously (all/run) before the next starts.
 */
function cachedStatements(db: SqliteDatabase.Database): { close(): void; prepare(sql: string): SqliteDatabase.Statement } {
  const cache = new Map<string, SqliteDatabase.Statement>()
  return {
    close: () => {
      cache.clear()
      db.close()
    },
    prepare(sql: string) {
      let stmt = cache.get(sql)
      if (stmt) {
        // Most recently used last: the oldest is dropped first.
        cache.delete(sql)
      } else {
        stmt = db.prepare(sql)
        if (cache.size >= STATEMENT_CACHE) cache.delete(cache.keys().next().value as string)
      }
      cache.set(sql, stmt)
      return stmt
    },
  }
}
