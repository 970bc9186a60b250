#!/usr/bin/env node
// Entry point: runs the compiled CLI in dist/ (`npm run build`; `npm ci` and `npm install` build it
// through the `prepare` script). No TypeScript loader at run time. It refuses to run a dist/ that is
// missing or older than a source file (a checkout edited since its last build), naming the file.
import { existsSync, readdirSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const main = new URL('../dist/src/cli/main.js', import.meta.url)
const stamp = new URL('../dist/.built', import.meta.url)

/** The first source file (what the build compiles) modified after `since`, if any. */
function newerSource(dir, since) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`
    if (entry.isDirectory()) {
      if (entry.name === 'testing') continue
      const found = newerSource(path, since)
      if (found) return found
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && statSync(path).mtimeMs > since) {
      return path
    }
  }
  return undefined
}

if (!existsSync(main) || !existsSync(stamp)) {
  process.stderr.write(`snapwarden: the CLI is not built (${fileURLToPath(main)} missing). Run \`npm run build\` (npm ci and npm install run it).\n`)
  process.exit(1)
}
const stale = existsSync(`${root}src`) ? newerSource(`${root}src`, statSync(stamp).mtimeMs) : undefined
if (stale) {
  process.stderr.write(`snapwarden: dist/ is older than ${stale.slice(root.length)}: run \`npm run build\`.\n`)
  process.exit(1)
}
const { main: run } = await import(main.href)
process.exitCode = await run(process.argv)
