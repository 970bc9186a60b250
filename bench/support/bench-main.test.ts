import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { MAX_BENCH_VOLUMES, MIN_BENCH_VOLUMES, parseBenchArgs } from './bench-main.ts'
import { withVolumes, type SnapshotScenario } from './scenarios.ts'

const ok = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
  const r = parseBenchArgs(argv, env)
  assert.ok(r.ok, r.ok ? '' : r.error)
  return r.args
}
const error = (argv: string[], env: NodeJS.ProcessEnv = {}): string => {
  const r = parseBenchArgs(argv, env)
  assert.ok(!r.ok, `accepted ${JSON.stringify(argv)} ${JSON.stringify(env)}`)
  return r.error
}

describe('bench arguments: --volumes N / BENCH_VOLUMES, bounded; --no-write accepted', () => {
  test('--volumes sets the fleet size; BENCH_VOLUMES too, the flag winning; none: the scenario’s own', () => {
    assert.equal(ok(['--volumes', '100000', '--no-write']).volumes, 100_000)
    assert.equal(ok(['--volumes=2500']).volumes, 2500)
    assert.equal(ok([], { BENCH_VOLUMES: '100_000' }).volumes, 100_000)
    assert.equal(ok(['--volumes', '500'], { BENCH_VOLUMES: '100000' }).volumes, 500)
    assert.equal(ok(['--quick']).volumes, undefined)
    assert.deepEqual(ok(['--quick', '--settle-ms', '2000']), { quick: true, settleMs: 2000, volumes: undefined, latencyJitterMs: undefined })
    assert.equal(ok(['--latency-jitter-ms', '0']).latencyJitterMs, 0)
    assert.equal(ok(['--latency-jitter-ms=8']).latencyJitterMs, 8)
  })

  test('a size out of bounds or not an integer is refused, naming the option, the value and what is accepted', () => {
    const accepted = `accepted: an integer ${MIN_BENCH_VOLUMES}–${MAX_BENCH_VOLUMES.toLocaleString('en-US')}`
    assert.match(error(['--volumes', String(MAX_BENCH_VOLUMES + 1)]), new RegExp(`^--volumes "${MAX_BENCH_VOLUMES + 1}": ${accepted}`))
    assert.match(error(['--volumes', '5']), /^--volumes "5": accepted/)
    for (const bad of ['1e5', '-10', '10.5', 'many', '']) assert.match(error(['--volumes', bad]), /accepted: an integer/, bad)
    assert.match(error([], { BENCH_VOLUMES: 'lots' }), /^BENCH_VOLUMES "lots": accepted/)
    assert.match(error(['--settle-ms', '-1']), /^--settle-ms "-1": accepted: an integer ≥ 0/)
    for (const bad of ['-1', '21', '2.5', 'some']) assert.match(error(['--latency-jitter-ms', bad]), /^--latency-jitter-ms ".*": accepted: an integer 0–20/, bad)
  })

  test('withVolumes keeps the projects, the volumes per server and the seed', () => {
    const base: SnapshotScenario = { kind: 'snapshot', seed: 2026, projects: 50, servers: 2000, volumes: 10_000, attachedRatio: 0.85, multiAttachEvery: 100, taggedShare: 0.8 }
    assert.deepEqual(withVolumes(base, 100_000), { ...base, volumes: 100_000, servers: 20_000 })
    assert.deepEqual(withVolumes(base, 20), { ...base, volumes: 20, servers: 4, projects: 20 })
  })
})
