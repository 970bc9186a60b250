/**
 * The database URL of a `staffeln.conf` (oslo.config INI): `connection` in `[database]` (oslo.db's
 * option; its deprecated names `sql_connection` there and in `[DEFAULT]` are read too). Read from the
 * file so the password stays off the command line and out of the process list.
 */
import { readFileSync } from 'node:fs'
import { UserError } from '../domain/errors.ts'

export function staffelnConnectionFromConf(path: string): string {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new UserError(`--staffeln-conf ${path} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'CONFIG_NOT_FOUND', { cause: err })
  }
  const found = new Map<string, string>()
  let section = ''
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue
    const header = /^\[([^\]]+)\]$/.exec(line)
    if (header) {
      section = header[1]!.trim()
      continue
    }
    const kv = /^([A-Za-z0-9_.-]+)\s*[=:]\s*(.*)$/.exec(line)
    if (kv) found.set(`${section}.${kv[1]}`, unquote(kv[2]!.trim()))
  }
  const value = found.get('database.connection') ?? found.get('database.sql_connection') ?? found.get('DEFAULT.sql_connection')
  if (value === undefined || value === '') {
    throw new UserError(`--staffeln-conf ${path}: no [database] connection option (Staffeln's database URL)`, 'CONFIG_INVALID')
  }
  return value
}

function unquote(v: string): string {
  return v.length >= 2 && (v[0] === '"' || v[0] === "'") && v.at(-1) === v[0] ? v.slice(1, -1) : v
}
