/**
 * The protection API under load (not a timed test): `snapwarden api` as its own process over a
 * store of 1M tracked backups, in SQLite and in PostgreSQL; a raw-socket load generator on
 * loopback with 64 keep-alive connections sends oslo.policy's form body (as Cinder does), half for
 * tracked backups (→ False), half for unknown ids (→ True). Prints requests per second and
 * p50/p90/p99 latency; exits non-zero when any answer was wrong or not 200.
 *
 *   node --import tsx bench/protection-api.bench.ts [--quick] [--rounds N] [--only sqlite|postgres] [--workers 1,2]
 *   (default: 1M backups, 3 rounds of 10 s per store and per worker count, `snapwarden api --workers 1`
 *   then `--workers 2`; --quick: 100k backups, one round of 3 s)
 *
 * PostgreSQL: PG_URL, else scripts/start-postgres.sh starts the throwaway test cluster.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import Database from 'better-sqlite3'
import pg from 'pg'
import { openStore } from '../src/store/index.ts'
import { createStoreSchema, dropStoreSchema } from '../tests/support/pg-schema.ts'
import { startApiProcess } from '../tests/support/protection-api-process.ts'
import { runLoad, type LoadRequest, type LoadResult } from './support/http-load.ts'

const CONNECTIONS = 64
const TARGET_RPS = 15_000
const TARGET_P99_MS = 5

const trackedId = (i: number) => `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`
const unknownId = (i: number) => `ffffffff-0000-4000-8000-${i.toString(16).padStart(12, '0')}`

/** oslo.policy's default form body for Cinder's backup:delete (about 1.6 kB, as Cinder sends). */
function osloBody(id: string): string {
  const target = {
    project_id: '1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6',
    user_id: '9f8e7d6c5b4a49382716050403020100',
    id,
    status: 'available',
    display_name: 'web-1_data_1796000000',
    display_description: 'Automated backup by Snapwarden',
    volume_id: '7c6b5a49-3827-4160-9f8e-7d6c5b4a3928',
    availability_zone: 'nova',
    container: 'backups',
    size: 10,
    object_count: 42,
    parent_id: null,
    num_dependent_backups: 0,
    snapshot_id: null,
    data_timestamp: '2026-11-29T22:00:00Z',
    restore_volume_id: null,
    encryption_key_id: null,
    metadata: { 'x-snapwarden-managed': 'true', 'x-snapwarden-server-id': '0e1d2c3b-4a59-4687-9a0b-1c2d3e4f5a6b', __automated_backup: 'True' },
    created_at: '2026-11-29T22:00:00Z',
    updated_at: '2026-11-29T22:05:00Z',
  }
  const credentials = {
    user_id: '9f8e7d6c5b4a49382716050403020100',
    project_id: '1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6',
    system_scope: null,
    domain_id: null,
    roles: ['member', 'reader'],
    is_admin: false,
    is_admin_project: true,
    service_user_id: null,
    service_roles: [],
    service_project_id: null,
  }
  return new URLSearchParams({ rule: JSON.stringify('backup:delete'), target: JSON.stringify(target), credentials: JSON.stringify(credentials) }).toString()
}

function buildRequests(rows: number, count: number): LoadRequest[] {
  let seed = 2026
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
  const out: LoadRequest[] = []
  for (let i = 0; i < count; i++) {
    const tracked = i % 2 === 0
    const id = tracked ? trackedId(Math.floor(rand() * rows)) : unknownId(Math.floor(rand() * rows))
    const body = osloBody(id)
    const head =
      `POST /v1/backup?backup_id=${id} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: python-requests/2.28.1\r\n` +
      `Accept: */*\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`
    out.push({ bytes: Buffer.from(head + body), expect: tracked ? 'False' : 'True' })
  }
  return out
}

async function seedSqlite(path: string, rows: number): Promise<void> {
  const store = openStore({ url: `sqlite:${path}` })
  await store.migrate()
  await store.close()
  const db = new Database(path)
  const insert = db.prepare(
    "insert into backups (backup_id, volume_id, project_id, kind, status, created_at) values (?, ?, 'p-bench', 'full', 'available', ?)",
  )
  db.transaction(() => {
    for (let i = 0; i < rows; i++) insert.run(trackedId(i), `vol-${i % 50_000}`, 1_700_000_000_000 + i)
  })()
  db.exec('analyze')
  db.close()
}

/** The bench's own schema in the test database (the store tests drop tables in its default schema). */
const PG_SCHEMA = 'snapwarden_bench_protection'

async function seedPostgres(adminUrl: string, rows: number): Promise<string> {
  const url = await createStoreSchema(adminUrl, PG_SCHEMA)
  const seed = new pg.Client({ connectionString: url })
  await seed.connect()
  try {
    await seed.query(
      `insert into backups (backup_id, volume_id, project_id, kind, status, created_at)
       select '00000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'), 'vol-' || (i % 50000), 'p-bench', 'full', 'available', 1700000000000 + i
       from generate_series(0, $1::int - 1) as i`,
      [rows],
    )
    await seed.query('analyze backups')
  } finally {
    await seed.end()
  }
  return url
}

const dropPostgres = (adminUrl: string) => dropStoreSchema(adminUrl, PG_SCHEMA)

/** user + system CPU time of a process and its live children (the API's workers) so far (Linux /proc, 100 ticks per second), in ms. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  const own = ((Number(fields[11]) + Number(fields[12])) * 1000) / 100
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)
  return own + children.reduce((sum, child) => sum + cpuMs(child), 0)
}

function pgUrl(): string {
  if (process.env.PG_URL) return process.env.PG_URL
  const root = fileURLToPath(new URL('..', import.meta.url))
  const out = execFileSync('bash', ['scripts/start-postgres.sh'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
  const m = /PG_URL=(\S+)/.exec(out)
  if (!m) throw new Error(`scripts/start-postgres.sh printed no PG_URL: ${out}`)
  return m[1]!.replace(/^['"]|['"]$/g, '')
}

interface Round extends LoadResult {
  /** API CPU time per request, µs (user + system of its process). */
  readonly apiCpuUs: number
  readonly generatorCpuUs: number
  /** 1-minute load average when the round started (the machine is shared). */
  readonly loadAvg: number
}

async function measure(label: string, storeUrl: string, rows: number, seconds: number, rounds: number, dir: string, workers: number): Promise<Round[]> {
  const api = await startApiProcess(['--log-level', 'warn', 'api', '--db', storeUrl, '--bind-address', '127.0.0.1:0', '--workers', String(workers)], {
    dir,
    timeoutMs: 600_000,
  })
  const out: Round[] = []
  try {
    const requests = buildRequests(rows, 20_000)
    const base = { host: '127.0.0.1', port: api.port, connections: CONNECTIONS, requests }
    const warm = await runLoad({ ...base, durationMs: 2000 })
    if (warm.wrong > 0) throw new Error(`${label}: wrong answers while warming up: ${warm.firstWrong}`)
    process.stdout.write(`== protection API, ${label}: ${rows.toLocaleString('en-US')} tracked backups, ${CONNECTIONS} connections, ${seconds} s per round ==\n`)
    for (let i = 0; i < rounds; i++) {
      const loadAvg = loadavg()[0] ?? Number.NaN
      const cpu0 = cpuMs(api.pid)
      const own0 = process.cpuUsage()
      const res = await runLoad({ ...base, durationMs: seconds * 1000 })
      const own = process.cpuUsage(own0)
      const round: Round = {
        ...res,
        apiCpuUs: ((cpuMs(api.pid) - cpu0) * 1000) / res.requests,
        generatorCpuUs: (own.user + own.system) / res.requests,
        loadAvg,
      }
      out.push(round)
      process.stdout.write(
        `  round ${i + 1}: ${Math.round(res.perSecond).toLocaleString('en-US')} req/s (${res.requests.toLocaleString('en-US')} requests, half tracked → False, half unknown → True); ` +
          `p50 / p90 / p99 ${res.p50Ms.toFixed(2)} / ${res.p90Ms.toFixed(2)} / ${res.p99Ms.toFixed(2)} ms (max ${res.maxMs.toFixed(1)}); ` +
          `CPU per request: API ${round.apiCpuUs.toFixed(0)} µs, load generator ${round.generatorCpuUs.toFixed(0)} µs; load average ${loadAvg.toFixed(1)}; ` +
          `wrong ${res.wrong}, non-200 ${res.errors}${res.firstWrong ? ` (first: ${res.firstWrong})` : ''}\n`,
      )
    }
    return out
  } finally {
    const stopped = await api.stop()
    if (/"level":(50|60)/.test(stopped.stderr)) process.stderr.write(`${label}: the API logged errors:\n${stopped.stderr}\n`)
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { quick: { type: 'boolean', default: false }, only: { type: 'string' }, rounds: { type: 'string' }, workers: { type: 'string', default: '1,2' } },
  })
  const workerCounts = values.workers.split(',').map(Number)
  if (workerCounts.some((n) => !Number.isInteger(n) || n < 1 || n > 16)) throw new Error(`--workers "${values.workers}": accepted: a comma-separated list of 1 to 16`)
  const rows = values.quick ? 100_000 : 1_000_000
  const seconds = values.quick ? 3 : 10
  const rounds = Math.max(1, Math.min(10, Number(values.rounds ?? (values.quick ? 1 : 3)) || 1))
  const dir = mkdtempSync(join(tmpdir(), 'swbench-protect-'))
  process.stdout.write(`machine: ${availableParallelism()} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}; load generator in this process, API (snapwarden api) in its own\n`)
  const results: [string, Round[]][] = []
  try {
    if (values.only !== 'postgres') {
      const path = join(dir, 'store.sqlite')
      const t = performance.now()
      await seedSqlite(path, rows)
      process.stdout.write(`(seeded SQLite with ${rows.toLocaleString('en-US')} backups in ${((performance.now() - t) / 1000).toFixed(1)} s)\n`)
      for (const w of workerCounts) results.push([`SQLite, ${w} API process${w > 1 ? 'es' : ''}`, await measure(`SQLite, api --workers ${w}`, `sqlite:${path}`, rows, seconds, rounds, dir, w)])
    }
    if (values.only !== 'sqlite') {
      const admin = pgUrl()
      const t = performance.now()
      const url = await seedPostgres(admin, rows)
      process.stdout.write(`(seeded PostgreSQL with ${rows.toLocaleString('en-US')} backups in ${((performance.now() - t) / 1000).toFixed(1)} s)\n`)
      try {
        for (const w of workerCounts) {
          results.push([`PostgreSQL, ${w} API process${w > 1 ? 'es' : ''}`, await measure(`PostgreSQL, api --workers ${w}`, url, rows, seconds, rounds, dir, w)])
        }
      } finally {
        await dropPostgres(admin)
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  process.stdout.write('\n| store | backups | round | req/s | p50 | p99 | API CPU / request | load average | wrong |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n')
  for (const [label, rs] of results) {
    for (const [i, r] of rs.entries()) {
      process.stdout.write(
        `| ${label} | ${rows.toLocaleString('en-US')} | ${i + 1} | ${Math.round(r.perSecond).toLocaleString('en-US')} | ${r.p50Ms.toFixed(2)} ms | ${r.p99Ms.toFixed(2)} ms | ${r.apiCpuUs.toFixed(0)} µs | ${r.loadAvg.toFixed(1)} | ${r.wrong + r.errors} |\n`,
      )
    }
  }
  for (const [label, rs] of results.filter(([l]) => l.startsWith('SQLite'))) {
    const met = rs.filter((r) => r.perSecond >= TARGET_RPS && r.p99Ms <= TARGET_P99_MS).length
    process.stdout.write(`target (SQLite ≥ ${TARGET_RPS.toLocaleString('en-US')} req/s with p99 ≤ ${TARGET_P99_MS} ms), ${label}: met in ${met} of ${rs.length} rounds\n`)
  }
  return results.every(([, rs]) => rs.every((r) => r.wrong === 0 && r.errors === 0 && r.requests > 0)) ? 0 : 1
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`protection-api bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    process.exit(1)
  },
)
