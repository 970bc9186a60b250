// Enforces STYLE.md §2 (who may import whom inside src/): the rooms and edges of scripts/layers.mjs
// (tests/layers.test.ts keeps them equal to STYLE.md's table). Exits 1 on a forbidden edge.
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { ALLOWED, IMPURE, PURE } from './layers.mjs'

const SRC = resolve(import.meta.dirname, '..', 'src')

function files(dir) {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n)
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : []
  })
}
const roomOf = (p) => relative(SRC, p).split(sep)[0]
const problems = []
for (const file of files(SRC)) {
  const room = roomOf(file)
  const text = readFileSync(file, 'utf8')
  if (!(room in ALLOWED)) problems.push(`${relative(SRC, file)}: unknown room '${room}'`)
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.[^'"]+)['"]/g)) {
    const target = roomOf(resolve(dirname(file), m[1]))
    const allowed = ALLOWED[room]
    if (allowed && target !== room && !allowed.includes(target)) {
      problems.push(`${relative(SRC, file)}: room '${room}' may not import '${target}' (${m[1]})`)
    }
  }
  if (PURE.has(room)) {
    for (const re of IMPURE) if (re.test(text)) problems.push(`${relative(SRC, file)}: pure room '${room}' uses ${re}`)
  }
}
if (problems.length) {
  console.error(`check-layers: ${problems.length} forbidden edge(s)\n` + problems.join('\n'))
  process.exit(1)
}
console.log('check-layers: ok')
