import assert from 'node:assert/strict'
import { test } from 'node:test'
import { UserError } from '../../domain/errors.ts'
import { simulatorCommand } from './simulator.ts'

const raw = { port: '0', host: '127.0.0.1', seed: '1', settleMs: '0' }

test('--settle-ms sets how long creating/deleting lasts; a negative or fractional value is refused naming the option', () => {
  assert.equal(simulatorCommand.parseOptions({ ...raw, settleMs: '2500' }, []).settleMs, 2500)
  assert.equal(simulatorCommand.parseOptions(raw, []).settleMs, 0)
  for (const bad of ['-1', '1.5', 'soon']) {
    assert.throws(() => simulatorCommand.parseOptions({ ...raw, settleMs: bad }, []), (err: unknown) => err instanceof UserError && err.message === `--settle-ms "${bad}": accepted: an integer ≥ 0 (milliseconds)`)
  }
})
