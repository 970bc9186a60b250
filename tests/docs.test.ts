// The user documentation names every metadata key, config option, CLI command and metric the code
// defines (as errors.test.ts does for error codes and docs/errors.md).
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { METRIC_DEFINITIONS } from '../src/api/metric-definitions.ts'
import { COMMANDS } from '../src/cli/commands/index.ts'
import { ConfigSchema } from '../src/config/schema.ts'
import { METADATA_KEYS } from '../src/planner/metadata-keys.ts'

const doc = (name: string): string => readFileSync(new URL(`../docs/${name}`, import.meta.url), 'utf8')
/** Names are matched as inline code, so `x-snapwarden-managed` is not satisfied by a longer key. */
const code = (name: string): string => `\`${name}\``

interface SchemaNode {
  readonly def: { readonly type: string; readonly innerType?: SchemaNode; readonly in?: SchemaNode }
  readonly shape?: Record<string, SchemaNode>
}

/** Strips default/optional wrappers; returns the object's shape, or undefined for a leaf option. */
function shapeOf(node: SchemaNode): Record<string, SchemaNode> | undefined {
  let t = node
  for (let i = 0; i < 10; i++) {
    if (t.def.innerType && ['default', 'optional', 'nullable', 'prefault', 'readonly'].includes(t.def.type)) t = t.def.innerType
    else if (t.def.type === 'pipe' && t.def.in) t = t.def.in // a section with a .transform()
    else break
  }
  return t.def.type === 'object' ? t.shape : undefined
}

/** `{ section: '' | 'snapshots', key }` for every top-level option and every key of a top-level section. */
function configOptions(): { section: string; key: string }[] {
  const out: { section: string; key: string }[] = []
  for (const [key, node] of Object.entries(ConfigSchema.shape as unknown as Record<string, SchemaNode>)) {
    out.push({ section: '', key })
    for (const inner of Object.keys(shapeOf(node) ?? {})) out.push({ section: key, key: inner })
  }
  return out
}

/** The text under the heading `### \`name\`` up to the next heading of level 1–3. */
function sectionText(markdown: string, name: string): string | undefined {
  const lines = markdown.split('\n')
  const start = lines.findIndex((l) => l.trim() === `### ${code(name)}`)
  if (start < 0) return undefined
  const rest = lines.slice(start + 1)
  const end = rest.findIndex((l) => /^#{1,3} /.test(l))
  return (end < 0 ? rest : rest.slice(0, end)).join('\n')
}

test('docs/metadata-keys.md names every key of METADATA_KEYS', () => {
  const text = doc('metadata-keys.md')
  assert.ok(METADATA_KEYS.length > 0)
  const missing = METADATA_KEYS.map((k) => k.key).filter((key) => !text.includes(code(key)))
  assert.deepEqual(missing, [])
})

test('docs/configuration.md names every config option, each section key under its section heading', () => {
  const text = doc('configuration.md')
  const options = configOptions()
  assert.ok(options.some((o) => o.section === 'conductor' && o.key === 'backup_cycle_timout'), 'the schema walk reaches section keys')
  const missing = options
    .filter(({ section, key }) => {
      if (section === '') return !text.includes(code(key))
      const body = sectionText(text, section)
      return body === undefined || !body.includes(code(key))
    })
    .map(({ section, key }) => (section ? `${section}.${key}` : key))
  assert.deepEqual(missing, [])
})

test('docs/cli.md has a heading for every CLI command', () => {
  const headings = new Set(
    doc('cli.md')
      .split('\n')
      .map((l) => /^#{2,4} (.+)$/.exec(l)?.[1]?.trim())
      .filter((h): h is string => h !== undefined),
  )
  assert.ok(COMMANDS.length > 0)
  const missing = COMMANDS.map((c) => c.name).filter((name) => !headings.has(name))
  assert.deepEqual(missing, [])
})

test('docs/operations.md names every metric of METRIC_DEFINITIONS', () => {
  const text = doc('operations.md')
  assert.ok(METRIC_DEFINITIONS.length > 0)
  const missing = METRIC_DEFINITIONS.map((m) => m.name).filter((name) => !text.includes(code(name)))
  assert.deepEqual(missing, [])
})
