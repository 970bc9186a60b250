/**
 * A store in its own PostgreSQL schema of the test database (the role may not create databases,
 * and the store suite drops tables in the default schema). The schema's tables come from the
 * store's own migrations, run directly: Kysely's migrator looks for its lock table in every
 * schema, so it would find the default schema's and skip creating one here.
 */
import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { MIGRATIONS } from '../../src/store/index.ts'
import { onServer } from './pg-database.ts'

/** The URL with `search_path` set to `schema` (node-postgres passes `options` to the server). */
export function pgUrlWithSchema(url: string, schema: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`
}

/** Drops and re-creates `schema` with the store's tables; returns the store URL for it. */
export async function createStoreSchema(url: string, schema: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`schema name ${schema}: lower-case letters, digits and _ only`)
  await onServer(url, `drop schema if exists ${schema} cascade`)
  await onServer(url, `create schema ${schema}`)
  const schemaUrl = pgUrlWithSchema(url, schema)
  const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: schemaUrl, max: 1 }) }) })
  try {
    for (const m of Object.values(MIGRATIONS)) await m.up(db)
  } finally {
    await db.destroy()
  }
  return schemaUrl
}

export async function dropStoreSchema(url: string, schema: string): Promise<void> {
  await onServer(url, `drop schema if exists ${schema} cascade`)
}
