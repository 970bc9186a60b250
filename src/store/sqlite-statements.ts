import type SqliteDatabase from 'better-sqlite3'

/**
 * Prepared statements of the SQLite store's hot paths (a backup task's few writes), kept per
 * database and SQL text. Run synchronously on the raw handle: the store's calls are queued one at a
 * time (KyselyStore), so nothing else uses the connection meanwhile, and a statement costs a few
 * microseconds instead of building and compiling a Kysely query (~50–90 µs each).
 */
const byDatabase = new WeakMap<SqliteDatabase.Database, Map<string, SqliteDatabase.Statement>>()

export function statement(sqlite: SqliteDatabase.Database, sql: string): SqliteDatabase.Statement {
  let cache = byDatabase.get(sqlite)
  if (cache === undefined) {
    cache = new Map()
    byDatabase.set(sqlite, cache)
  }
  let stmt = cache.get(sql)
  if (stmt === undefined) {
    stmt = sqlite.prepare(sql)
    cache.set(sql, stmt)
  }
  return stmt
}

/** `"a" = ?, "b" = ?` for column names of our own schema (never user input). */
export function setList(columns: readonly string[]): string {
  return columns.map((c) => `"${c}" = ?`).join(', ')
}

/** `('planned', 'started')` for constant states of our own code. */
export function inList(values: readonly string[]): string {
  return `(${values.map((v) => `'${v}'`).join(', ')})`
}
