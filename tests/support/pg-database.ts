/**
 * A PostgreSQL database of its own for one test file (scripts/start-postgres.sh lets the test role
 * create databases). Unlike a schema, nothing another file does in the shared test database reaches
 * it: Kysely's migrator looks for its tables in every schema of a database.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'

/** Runs one statement on a fresh connection to `url`. */
export async function onServer(url: string, text: string): Promise<void> {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  try {
    await c.query(text)
  } finally {
    await c.end()
  }
}

export interface OwnDatabase {
  readonly url: string
  drop(): Promise<void>
}

/** Creates `swtest_<prefix>_<random>` beside the database of `url`; returns its URL and a drop. */
export async function ownDatabase(url: string, prefix: string): Promise<OwnDatabase> {
  if (!/^[a-z][a-z0-9_]*$/.test(prefix)) throw new Error(`database prefix ${prefix}: lower-case letters, digits and _ only`)
  const name = `swtest_${prefix}_${randomBytes(4).toString('hex')}`
  await onServer(url, `create database ${name}`)
  const u = new URL(url)
  u.pathname = `/${name}`
  return { url: u.toString(), drop: () => onServer(url, `drop database if exists ${name} with (force)`) }
}
