import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { test } from 'node:test'
import { runDaemon } from './run-daemon.ts'
import type { ShutdownSignal, SignalSource } from './signals.ts'

function fakeProcess() {
  const emitter = new EventEmitter()
  const exits: number[] = []
  const proc: SignalSource = { on: (e, l) => emitter.on(e, l), off: (e, l) => emitter.off(e, l), exit: (c) => void exits.push(c) }
  const listeners = () => emitter.listenerCount('SIGTERM') + emitter.listenerCount('SIGINT')
  return { proc, exits, send: (s: ShutdownSignal) => emitter.emit(s), listeners }
}

test('SIGTERM stops the scheduler with the grace period, then runs the closers in order, then resolves', { timeout: 5000 }, async () => {
  const { proc, exits, send } = fakeProcess()
  const steps: string[] = []
  const scheduler = {
    start: () => void steps.push('start'),
    stop: async (o: { graceMs: number }) => void steps.push(`stop ${o.graceMs}`),
  }
  const done = runDaemon({
    scheduler,
    proc,
    graceMs: 30_000,
    closers: [
      { name: 'http', close: async () => void steps.push('close http') },
      { name: 'store', close: async () => { steps.push('close store'); throw new Error('already closed') } },
      { name: 'last', close: async () => void steps.push('close last') },
    ],
  })
  assert.deepEqual(steps, ['start'])
  send('SIGTERM')
  assert.equal(await done, 'SIGTERM')
  assert.deepEqual(steps, ['start', 'stop 30000', 'close http', 'close store', 'close last'])
  assert.deepEqual(exits, [])
})

test('a scheduler that cannot start rejects and leaves no signal listener', async () => {
  const { proc, listeners } = fakeProcess()
  await assert.rejects(
    runDaemon({ scheduler: { start: () => { throw new Error('boom') }, stop: async () => {} }, proc, graceMs: 0 }),
    /boom/,
  )
  assert.equal(listeners(), 0)
})

test('background work starts with the daemon and its signal aborts on SIGTERM', { timeout: 5000 }, async () => {
  const { proc, send } = fakeProcess()
  let seen: AbortSignal | undefined
  const done = runDaemon({
    scheduler: { start: () => {}, stop: async () => {} },
    proc,
    graceMs: 0,
    background: [
      (signal) => {
        seen = signal
        return new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))
      },
    ],
  })
  assert.equal(seen?.aborted, false)
  send('SIGTERM')
  assert.equal(await done, 'SIGTERM')
  assert.equal(seen?.aborted, true)
})

test('a fatal error stops the daemon as a signal would (jobs, then closers) and rejects with that error', { timeout: 5000 }, async () => {
  const { proc, listeners } = fakeProcess()
  const steps: string[] = []
  let fail: (err: unknown) => void = () => {}
  const fatal = new Promise<never>((_resolve, reject) => (fail = reject))
  const done = runDaemon({
    scheduler: { start: () => void steps.push('start'), stop: async () => void steps.push('stop') },
    proc,
    graceMs: 1000,
    closers: [{ name: 'http', close: async () => void steps.push('close http') }],
    fatal,
  })
  const wrong = Object.assign(new Error("clouds.yaml: cloud 'prod' not found"), { code: 'OS_CONFIG' })
  fail(wrong)
  await assert.rejects(done, (e: unknown) => e === wrong)
  assert.deepEqual(steps, ['start', 'stop', 'close http'])
  assert.equal(listeners(), 0, 'no signal listener is left behind')
})
