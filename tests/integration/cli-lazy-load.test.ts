// The installed CLI loads what the command it runs needs, not every command's dependencies (issue 9:
// start-up time and memory): checked in the real CLI as a child process, from the modules it loaded
// (recorded by a module hook, tests/support/loaded-modules-register.mjs), and the outputs and exit
// codes stay those of the eager CLI (tests/integration/cli.test.ts checks them at length).
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { COMMANDS } from '../../src/cli/commands/index.ts'
import { describeRun, runCli, tempDir, type CliResult } from '../support/run-cli.ts'

const REGISTER = new URL('../support/loaded-modules-register.mjs', import.meta.url).href
/** The store's drivers, the API server, SMTP and the metrics registry: what only some commands need. */
const HEAVY = ['pg', 'mysql2', 'better-sqlite3', 'kysely', 'fastify', 'nodemailer', 'prom-client', 'croner']

/** Runs the CLI and returns its result and the packages (and our dist/ modules) it loaded. */
async function runRecorded(args: readonly string[]): Promise<{ r: CliResult; packages: Set<string>; ours: string[] }> {
  const { dir, remove } = tempDir('swtest-I-lazy-')
  try {
    const file = join(dir, 'loaded.txt')
    const r = await runCli(args, { dir, env: { NODE_OPTIONS: `--import=${REGISTER}`, LOADED_MODULES_FILE: file } })
    const urls = readFileSync(file, 'utf8').split('\n').filter(Boolean)
    const packages = new Set(urls.flatMap((u) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u)?.[1] ?? []))
    const ours = urls.flatMap((u) => /\/dist\/(src\/.*)$/.exec(u)?.[1] ?? [])
    return { r, packages, ours }
  } finally {
    remove()
  }
}

describe('the CLI loads only the command it runs (built dist/: run `npm run build` first)', () => {
  test('metadefs (no cloud, no store) loads neither the database drivers, the servers, SMTP nor the HTTP client', async () => {
    const { r, packages, ours } = await runRecorded(['metadefs'])
    assert.equal(r.code, 0, describeRun(r))
    assert.ok(JSON.parse(r.stdout), 'metadefs prints its namespace')
    assert.ok(ours.length > 0 && ours.includes('src/cli/main.js'), `the hook recorded the CLI's modules: ${ours.join(', ')}`)
    for (const p of [...HEAVY, 'undici']) assert.ok(!packages.has(p), `metadefs loaded ${p}; loaded: ${[...packages].join(', ')}`)
    assert.ok(!ours.some((m) => m.startsWith('src/store/') || m.startsWith('src/api/') || m.startsWith('src/simulator/')), ours.join(', '))
  })

  test('create-snapshots (a real cloud, none configured) loads no database driver, server or SMTP, and fails as before', async () => {
    const { r, packages, ours } = await runRecorded(['create-snapshots', '--dry-run'])
    assert.equal(r.code, 1, `no cloud configured: exit 1 as before; ${describeRun(r)}`)
    assert.match(r.stderr, /^snapwarden: /)
    for (const p of HEAVY) assert.ok(!packages.has(p), `create-snapshots loaded ${p}; loaded: ${[...packages].join(', ')}`)
    assert.ok(!ours.some((m) => m.startsWith('src/simulator/')), 'the simulator is loaded only with --simulator')
  })

  test('--help still lists every command with its summary (all command modules are loaded for it)', async () => {
    const { r, packages } = await runRecorded(['--help'])
    assert.equal(r.code, 0, describeRun(r))
    for (const c of COMMANDS) assert.ok(r.stdout.includes(c.summary.slice(0, 40)) || r.stdout.includes(c.name.split(' ')[0]!), `help lacks ${c.name}`)
    assert.ok(packages.has('kysely'), 'help loads every command module (the store commands among them)')
  })

  test('an unknown command still gets commander\'s suggestion (every command is loaded to suggest one)', async () => {
    const { r } = await runRecorded(['creat-snapshots'])
    assert.equal(r.code, 1, describeRun(r))
    assert.match(r.stderr, /unknown command 'creat-snapshots'/)
    assert.match(r.stderr, /Did you mean create-snapshots\?/)
  })
})
