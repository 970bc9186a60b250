import assert from 'node:assert/strict'
import { test } from 'node:test'
import { getEventListeners } from 'node:events'
import { buildDeps, realSleep } from './deps.ts'

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

test("sixteen sleeps on one signal (a cycle's tasks in back-off) hold one listener on it, and its abort ends each with the reason", async () => {
  const ac = new AbortController()
  const warnings: Error[] = []
  const onWarning = (w: Error): void => void warnings.push(w)
  process.on('warning', onWarning)
  try {
    const sleeps = Array.from({ length: 16 }, () => realSleep(3_600_000, ac.signal).catch((e: unknown) => e))
    assert.equal(getEventListeners(ac.signal, 'abort').length, 1)
    ac.abort(new Error('stopping'))
    for (const err of await Promise.all(sleeps)) assert.match(String(err), /stopping/)
    await new Promise((r) => setImmediate(r))
    assert.deepEqual(warnings, [])
    assert.equal(getEventListeners(ac.signal, 'abort').length, 0)
  } finally {
    process.off('warning', onWarning)
  }
})

test('a sleep that ends by its timer lets go of the signal', async () => {
  const ac = new AbortController()
  await realSleep(0, ac.signal)
  assert.equal(getEventListeners(ac.signal, 'abort').length, 0)
})
