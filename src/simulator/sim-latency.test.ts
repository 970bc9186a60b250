import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startSimulator } from './start-simulator.ts'

/** The latency each of `calls` public requests waited, as the simulator's sleep was asked. */
async function latencies(opts: { seed: number; latencyMs: number; latencyJitterMs?: number }, calls: number): Promise<number[]> {
  const waited: number[] = []
  const sim = await startSimulator({ ...opts, sleep: async (ms) => void waited.push(ms) })
  try {
    const origin = new URL(sim.url).origin
    for (let i = 0; i < calls; i++) await (await fetch(`${origin}/volume`)).arrayBuffer()
  } finally {
    await sim.close()
  }
  return waited
}

test('latency jitter: each call waits a whole number of ms within latency ± jitter, the same sequence for the same seed', async () => {
  const a = await latencies({ seed: 7, latencyMs: 20, latencyJitterMs: 5 }, 60)
  assert.equal(a.length, 60)
  assert.ok(a.every((ms) => Number.isInteger(ms) && ms >= 15 && ms <= 25), a.join(','))
  assert.ok(new Set(a).size >= 5, `the latencies vary: ${a.join(',')}`)
  const mean = a.reduce((x, y) => x + y, 0) / a.length
  assert.ok(Math.abs(mean - 20) <= 2, `centred on the latency: mean ${mean}`)
  assert.deepEqual(await latencies({ seed: 7, latencyMs: 20, latencyJitterMs: 5 }, 60), a)
})

test('without jitter every call waits exactly the latency', async () => {
  assert.deepEqual(await latencies({ seed: 7, latencyMs: 20 }, 5), [20, 20, 20, 20, 20])
})

test('latencyIncludesWork: a request is handled at once and answered its latency after it arrived, its handling counted in', async () => {
  // The clock moves 7 ms between the request's arrival and its answer being ready (its handling).
  const times = [1_000, 1_007]
  const waited: number[] = []
  const sim = await startSimulator({ seed: 7, latencyMs: 20, latencyIncludesWork: true, now: () => times.shift() ?? 2_000, sleep: async (ms) => void waited.push(ms) })
  try {
    const origin = new URL(sim.url).origin
    const res = await fetch(`${origin}/volume`)
    await res.arrayBuffer()
    assert.equal(res.status, 300, 'the version list')
    assert.deepEqual(waited, [13], 'the 20 ms latency less the 7 ms since arrival')
  } finally {
    await sim.close()
  }
  // A request a fault holds is handled the default way: the whole latency first.
  const held: number[] = []
  const other = await startSimulator({ seed: 7, latencyMs: 20, latencyIncludesWork: true, now: () => 0, sleep: async (ms) => void held.push(ms) })
  try {
    other.faults.hold('GET /volume', Promise.resolve())
    await (await fetch(`${new URL(other.url).origin}/volume`)).arrayBuffer()
    assert.deepEqual(held, [20])
  } finally {
    await other.close()
  }
})
