// Prints every *.test.ts file under the given folders (Node 20's --test has no globs).
import { readdirSync, statSync, existsSync } from 'node:fs'
import { join } from 'node:path'
const out = []
function walk(dir) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue
    const p = join(dir, name)
    if (statSync(p).isDirectory()) walk(p)
    else if (name.endsWith('.test.ts')) out.push(p)
  }
}
for (const d of process.argv.slice(2)) if (existsSync(d)) walk(d)
process.stdout.write(out.sort().join('\n'))
