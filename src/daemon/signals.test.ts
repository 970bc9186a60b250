import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { test } from 'node:test'
import { FORCED_EXIT_CODE, onShutdown, type ShutdownSignal, type SignalSource } from './signals.ts'

function fakeProcess() {
  const emitter = new EventEmitter()
  const exits: number[] = []
  const proc: SignalSource & { emit(s: ShutdownSignal): void; count(s: ShutdownSignal): number } = {
    on: (e, l) => emitter.on(e, l),
    off: (e, l) => emitter.off(e, l),
    exit: (code) => void exits.push(code),
    emit: (s) => void emitter.emit(s),
    count: (s) => emitter.listenerCount(s),
  }
  return { proc, exits }
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve))

test('the first SIGTERM starts a graceful stop and does not exit', async () => {
  const { proc, exits } = fakeProcess()
  const seen: ShutdownSignal[] = []
  onShutdown(proc, (s) => void seen.push(s))
  proc.emit('SIGTERM')
  await tick()
  assert.deepEqual(seen, ['SIGTERM'])
  assert.deepEqual(exits, [])
})

test('a second signal during the graceful stop exits at once with code 130', async () => {
  const { proc, exits } = fakeProcess()
  let calls = 0
  onShutdown(proc, () => {
    calls++
    return new Promise<void>(() => {})
  })
  proc.emit('SIGINT')
  proc.emit('SIGTERM')
  await tick()
  assert.equal(calls, 1, 'the handler runs once')
  assert.deepEqual(exits, [FORCED_EXIT_CODE])
  assert.equal(FORCED_EXIT_CODE, 130)
})

test('a graceful stop that fails exits with code 1', async () => {
  const { proc, exits } = fakeProcess()
  onShutdown(proc, () => Promise.reject(new Error('store closed twice')))
  proc.emit('SIGTERM')
  await tick()
  assert.deepEqual(exits, [1])
})

test('the returned function removes both listeners', () => {
  const { proc } = fakeProcess()
  const dispose = onShutdown(proc, () => {})
  assert.equal(proc.count('SIGTERM') + proc.count('SIGINT'), 2)
  dispose()
  assert.equal(proc.count('SIGTERM') + proc.count('SIGINT'), 0)
})
