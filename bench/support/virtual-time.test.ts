import assert from 'node:assert/strict'
import { test } from 'node:test'
import { VirtualTime } from './virtual-time.ts'

test('concurrent sleepers see the time a real clock would show: 3 × 5 s at once take 5 s, not 15 s', async () => {
  const t = new VirtualTime(1_000_000)
  const woke: number[] = []
  await Promise.all([5_000, 5_000, 5_000].map(async (ms) => (await t.sleep(ms), woke.push(t.nowMs))))
  assert.deepEqual(woke, [1_005_000, 1_005_000, 1_005_000])
  assert.equal(t.jumps, 1)
})

test('sleepers wake in order of their wake-up time; a loop of sleeps adds up', async () => {
  const t = new VirtualTime(0)
  const order: string[] = []
  const poller = (async () => {
    for (let i = 0; i < 5; i++) await t.sleep(60_000)
    order.push(`poller@${t.nowMs}`)
  })()
  const short = (async () => {
    await t.sleep(5_000)
    order.push(`short@${t.nowMs}`)
  })()
  await Promise.all([poller, short])
  assert.deepEqual(order, ['short@5000', 'poller@300000'])
})

test('time stands still while a request is inside the simulator', async () => {
  const t = new VirtualTime(0)
  let handled = false
  const sleeper = t.sleep(1_000).then(() => t.nowMs)
  // A request arrives and is handled (the latency hook, then the handler) before time may move.
  await t.simLatency()
  handled = true
  assert.equal(t.nowMs, 0)
  assert.equal(await sleeper, 1_000)
  assert.ok(handled)
})

test('an aborted sleep rejects and does not move time', async () => {
  const t = new VirtualTime(0)
  const ctl = new AbortController()
  const p = t.sleep(10_000, ctl.signal)
  ctl.abort(new Error('stop'))
  await assert.rejects(p, /stop/)
  assert.equal(t.nowMs, 0)
})
