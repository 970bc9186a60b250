// The layering check (scripts/check-layers.mjs reads scripts/layers.mjs) and ../shared/STYLE.md's
// §2 table ("Who may import whom") agree on every room. ../shared sits beside the clone (CI copies it there).
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { test } from 'node:test'
import { ALLOWED, PURE } from '../scripts/layers.mjs'

const ROOT = resolve(import.meta.dirname, '..')
const STYLE_PATH = resolve(ROOT, '..', 'shared', 'STYLE.md')

function styleText(): string {
  if (!existsSync(STYLE_PATH)) {
    assert.fail(`${STYLE_PATH} is missing: STYLE.md's §2 table is what scripts/layers.mjs must agree with; ../shared must sit beside the clone (CI copies it there)`)
  }
  return readFileSync(STYLE_PATH, 'utf8')
}

interface Row {
  /** The rooms it may import besides itself; null for "everything". */
  readonly mayImport: readonly string[] | null
  readonly mustNot: string
}

const cells = (line: string): string[] => line.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map((c) => c.trim())
const codeSpans = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!)
/** `openstack/**` → openstack */
const roomName = (span: string): string => span.replace(/\/.*$/, '')

/** The rows of the first table after the heading "Who may import whom". */
function parseLayerTable(markdown: string): Map<string, Row> {
  const lines = markdown.split('\n')
  const heading = lines.findIndex((l) => /^#+ .*who may import whom/i.test(l))
  if (heading < 0) throw new Error('STYLE.md has no heading "Who may import whom"')
  const start = lines.findIndex((l, i) => i > heading && l.trim().startsWith('|'))
  if (start < 0) throw new Error('no table under "Who may import whom"')
  const header = cells(lines[start]!).map((c) => c.toLowerCase())
  const col = (prefix: string): number => {
    const i = header.findIndex((h) => h.startsWith(prefix))
    if (i < 0) throw new Error(`the table has no column "${prefix}…" (columns: ${header.join(', ')})`)
    return i
  }
  const [roomCol, mayCol, mustNotCol] = [col('room'), col('may import'), col('must not')]
  const rows = new Map<string, Row>()
  for (const line of lines.slice(start + 2)) {
    if (!line.trim().startsWith('|')) break
    const c = cells(line)
    const room = codeSpans(c[roomCol] ?? '')[0]
    if (room === undefined) throw new Error(`a row without a room: ${line}`)
    const may = c[mayCol] ?? ''
    const mayImport = /^everything\b/i.test(may)
      ? null
      : [...new Set(codeSpans(may).map(roomName))].filter((r) => r !== room).sort()
    rows.set(room, { mayImport, mustNot: c[mustNotCol] ?? '' })
  }
  return rows
}

/** STYLE.md §1's layout line for a room ("  simulator/   … imports nothing else of src/ …"), with its continuation lines. */
function layoutEntry(markdown: string, room: string): string | undefined {
  const lines = markdown.split('\n')
  const i = lines.findIndex((l) => new RegExp(`^\\s{2}${room}/\\s`).test(l))
  if (i < 0) return undefined
  const rest = lines.slice(i + 1)
  const end = rest.findIndex((l) => !/^\s{10,}\S/.test(l))
  return [lines[i]!, ...rest.slice(0, end < 0 ? rest.length : end)].join(' ').replace(/\s+/g, ' ')
}

/**
 * Rooms STYLE.md §1 lists but §2's table has no row for (../shared is read-only here; the lead knows).
 * Each entry says what scripts/layers.mjs allows instead, and why.
 */
const ROOMS_WITHOUT_ROW: Readonly<Record<string, { readonly allows: readonly string[]; readonly why: string }>> = {
  notify: { allows: ['domain'], why: "§1: reports, email, webhooks 'built from data the store and cloud give' (it receives them), like api" },
}

const others = (room: string, allowed: readonly string[] | null): readonly string[] | null =>
  allowed === null ? null : [...new Set(allowed)].filter((r) => r !== room).sort()

/** Every way `allowed` and STYLE.md disagree; empty when they agree on every room. */
function disagreements(markdown: string, allowed: Readonly<Record<string, readonly string[] | null>>): string[] {
  const table = parseLayerTable(markdown)
  const out: string[] = []
  for (const [room, row] of table) {
    if (!(room in allowed)) {
      out.push(`STYLE.md §2 has room '${room}', scripts/layers.mjs ALLOWED does not`)
      continue
    }
    const ours = others(room, allowed[room]!)
    if (JSON.stringify(ours) !== JSON.stringify(row.mayImport)) {
      out.push(`room '${room}': STYLE.md §2 allows ${JSON.stringify(row.mayImport ?? 'everything')}, scripts/layers.mjs ${JSON.stringify(ours ?? 'everything')}`)
    }
  }
  for (const room of Object.keys(allowed).filter((r) => !table.has(r))) {
    // A room without a row must at least be in §1's layout; if §1 says it imports nothing else of src/
    // (the simulator), ALLOWED must say so too; otherwise it must be one the table is known to be silent on.
    const entry = layoutEntry(markdown, room)
    if (entry === undefined) out.push(`scripts/layers.mjs ALLOWED has room '${room}', STYLE.md has it neither in §1's layout nor in §2's table`)
    else if (/imports nothing else of src\//.test(entry)) {
      if ((others(room, allowed[room]!) ?? ['everything']).length > 0) {
        out.push(`room '${room}': STYLE.md §1 says it imports nothing else of src/, scripts/layers.mjs allows ${JSON.stringify(allowed[room])}`)
      }
    } else {
      const known = ROOMS_WITHOUT_ROW[room]
      if (known === undefined) out.push(`scripts/layers.mjs ALLOWED has room '${room}', STYLE.md's §2 table does not`)
      else if (JSON.stringify(others(room, allowed[room]!)) !== JSON.stringify(others(room, known.allows))) {
        out.push(`room '${room}' (no row in STYLE.md §2): expected ${JSON.stringify(known.allows)} (${known.why}), scripts/layers.mjs ${JSON.stringify(allowed[room])}`)
      }
    }
  }
  return out
}

test("scripts/layers.mjs and ../shared/STYLE.md's §2 table agree on every room", () => {
  const md = styleText()
  const table = parseLayerTable(md)
  assert.ok(table.size >= 10, `only ${table.size} rooms parsed from STYLE.md §2`)
  assert.deepEqual(table.get('cycles')?.mayImport, ['domain', 'executor', 'planner'])
  assert.deepEqual(table.get('cli')?.mayImport, null)
  assert.deepEqual(disagreements(md, ALLOWED), [])
})

test('a room whose "must not" forbids node:* is a pure room for check-layers', () => {
  const io = [...parseLayerTable(styleText())].filter(([, row]) => row.mustNot.includes('`node:*`')).map(([room]) => room)
  assert.ok(io.includes('planner'), io.join(', '))
  for (const room of io) assert.ok(PURE.has(room), `${room} is not in PURE`)
})

test('every folder of src/ is a room of scripts/layers.mjs, and every room a folder', () => {
  const src = join(ROOT, 'src')
  const dirs = readdirSync(src).filter((n) => statSync(join(src, n)).isDirectory()).sort()
  assert.deepEqual(dirs, Object.keys(ALLOWED).sort())
})

test('the comparison names a room whose edges differ, a room missing on either side', () => {
  const md = styleText()
  const withoutApi: Record<string, readonly string[] | null> = { ...ALLOWED, cycles: ['domain', 'planner', 'executor', 'store'], extra: [] }
  delete withoutApi.api
  assert.deepEqual(disagreements(md, withoutApi), [
    `room 'cycles': STYLE.md §2 allows ["domain","executor","planner"], scripts/layers.mjs ["domain","executor","planner","store"]`,
    `STYLE.md §2 has room 'api', scripts/layers.mjs ALLOWED does not`,
    `scripts/layers.mjs ALLOWED has room 'extra', STYLE.md has it neither in §1's layout nor in §2's table`,
  ])
  const withoutConfigRow = md.split('\n').filter((l) => !l.startsWith('| `config` |')).join('\n')
  assert.deepEqual(disagreements(withoutConfigRow, ALLOWED), [`scripts/layers.mjs ALLOWED has room 'config', STYLE.md's §2 table does not`])
  assert.deepEqual(disagreements(md, { ...ALLOWED, notify: ['domain', 'store'] }).length, 1)
  assert.deepEqual(disagreements(md, { ...ALLOWED, simulator: ['simulator', 'domain'] }), [
    `room 'simulator': STYLE.md §1 says it imports nothing else of src/, scripts/layers.mjs allows ["simulator","domain"]`,
  ])
})
