import assert from 'node:assert/strict'
import { test } from 'node:test'
import { describeTail, latencyTail } from './latency-tail.ts'

test('slow answers bunched in one stretch: few windows, the worst of them hold nearly all', () => {
  // 1,000 req/s for 2 s: windows of 100 requests. A stall of 40 ms slows requests 500–539.
  const latency = Array.from({ length: 2000 }, (_, s) => (s >= 500 && s < 540 ? 12 : 0.3))
  const t = latencyTail(latency, 1000, { overMs: 5 })
  assert.deepEqual(t, { overMs: 5, windowMs: 100, over: 40, windowsWithOver: 1, windows: 20, worstShare: 1, worst: 3 })
  assert.equal(describeTail(t, 2000), '40 answers over 5 ms (2.00 %), in 1 of 20 windows of 100 ms')
})

test('slow answers spread over the run (queueing): many windows, the worst 3 hold a small share', () => {
  const latency = Array.from({ length: 2000 }, (_, s) => (s % 50 === 7 ? 8 : 0.3))
  const t = latencyTail(latency, 1000, { overMs: 5 })
  assert.equal(t.over, 40)
  assert.equal(t.windowsWithOver, 20)
  assert.equal(t.worstShare, 6 / 40)
  assert.equal(describeTail(t, 2000), '40 answers over 5 ms (2.00 %), in 20 of 20 windows of 100 ms; the worst 3 hold 15 %')
  assert.equal(describeTail(latencyTail([0.3, 9], 1000, { overMs: 5 }), 2), '1 answer over 5 ms (50.00 %), in 1 of 1 windows of 100 ms')
  assert.equal(describeTail(latencyTail([1, 2], 1000, { overMs: 5 }), 2), 'no answer over 5 ms')
})
