import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildDeps } from './deps.ts'

test('the progress bar asks whether stderr, where it draws, is a terminal (not stdout)', async () => {
  const cases = [
    { stdout: true, stderr: false, env: {}, expected: false },
    { stdout: false, stderr: true, env: {}, expected: true },
    { stdout: true, stderr: true, env: { CI: 'true' }, expected: false },
  ]
  for (const c of cases) {
    const terminal = { stdout: { isTTY: c.stdout }, stderr: { isTTY: c.stderr } }
    const deps = buildDeps({ debug: false }, c.env, 'run', terminal)
    assert.equal(deps.isTTY, c.expected, JSON.stringify(c))
    await deps.close()
  }
})
