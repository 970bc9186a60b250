import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createManualClock } from './sim-clock.ts'
import { SimFaults } from './sim-faults.ts'
import { startSimulator } from './start-simulator.ts'
import { login } from './testing/sim-client.ts'

const ROUTE = 'GET /volume/v3/{project_id}/volumes/detail'

function draws(seed: number): string[] {
  const f = new SimFaults(seed)
  f.errorRate(0.5, { route: ROUTE })
  return Array.from({ length: 40 }, () => f.pick('GET', '/volume/v3/{project_id}/volumes/detail').map((a) => a.kind).join(',') || '-')
}

test('the same seed and call sequence give the same faults', () => {
  assert.deepEqual(draws(7), draws(7))
})

test('a 50% error rate fails some calls and lets others through', () => {
  const d = draws(7)
  assert.ok(d.includes('status'))
  assert.ok(d.includes('-'))
})

test('different seeds give different fault sequences', () => {
  assert.notDeepEqual(draws(7), draws(8))
})

test('a rule fires at most `times` times and only on its route', () => {
  const f = new SimFaults(1)
  f.add({ route: ROUTE, action: { kind: 'reset' }, times: 2 })
  assert.deepEqual(f.pick('GET', '/volume/v3/{project_id}/snapshots/detail'), [])
  assert.equal(f.pick('GET', '/volume/v3/{project_id}/volumes/detail').length, 1)
  assert.equal(f.pick('GET', '/volume/v3/{project_id}/volumes/detail').length, 1)
  assert.equal(f.pick('GET', '/volume/v3/{project_id}/volumes/detail').length, 0)
})

test('a route without a method matches every method', () => {
  const f = new SimFaults(1)
  f.add({ route: '/volume/v3/{project_id}/snapshots', action: { kind: 'reset' } })
  assert.equal(f.pick('POST', '/volume/v3/{project_id}/snapshots').length, 1)
  assert.equal(f.pick('GET', '/volume/v3/{project_id}/snapshots').length, 1)
})

test('an injected 503 answers with the service error body and does nothing', async () => {
  const sim = await startSimulator({ seed: 3 })
  try {
    const s = await login(sim, 'demo')
    sim.faults.errorRate(1, { status: 503, route: 'POST /volume/v3/{project_id}/volumes', times: 1 })
    const before = sim.state.volumes.size
    const r = await s.volume('POST', '/volumes', { volume: { size: 1 } })
    assert.equal(r.status, 503)
    assert.equal(r.json.serviceUnavailable.code, 503)
    assert.equal(sim.state.volumes.size, before)
    assert.equal((await s.volume('POST', '/volumes', { volume: { size: 1 } })).status, 202)
  } finally {
    await sim.close()
  }
})

test('a rate limit answers 429 with Retry-After', async () => {
  const sim = await startSimulator({ seed: 3 })
  try {
    const s = await login(sim, 'demo')
    sim.faults.rateLimit(7, { route: ROUTE, times: 1 })
    const r = await s.volume('GET', '/volumes/detail')
    assert.equal(r.status, 429)
    assert.equal(r.headers.get('retry-after'), '7')
    assert.equal((await s.volume('GET', '/volumes/detail')).status, 200)
  } finally {
    await sim.close()
  }
})

test('a connection reset makes the client fail without an answer', async () => {
  const sim = await startSimulator({ seed: 3 })
  try {
    const s = await login(sim, 'demo')
    sim.faults.resetRate(1, { route: ROUTE, times: 1 })
    await assert.rejects(s.volume('GET', '/volumes/detail'))
    assert.equal((await s.volume('GET', '/volumes/detail')).status, 200)
  } finally {
    await sim.close()
  }
})

test('a lost response still creates the snapshot, so a retry can find it', async () => {
  const sim = await startSimulator({ seed: 3 })
  try {
    const s = await login(sim, 'demo')
    const vol = sim.state.volumes.list(s.projectId).find((v) => v.status === 'available')
    assert.ok(vol)
    sim.faults.loseResponse('POST /volume/v3/{project_id}/snapshots')
    await assert.rejects(s.volume('POST', '/snapshots', { snapshot: { volume_id: vol.id, name: 'lost', metadata: { intent: 'i-1' } } }))
    const found = await s.volume('GET', `/snapshots/detail?volume_id=${vol.id}&metadata=${encodeURIComponent('{"intent":"i-1"}')}`, undefined, '3.22')
    assert.equal(found.json.snapshots.length, 1)
    assert.equal(found.json.snapshots[0].name, 'lost')
  } finally {
    await sim.close()
  }
})

test('a response lost at once with landAfter: the client fails at once and the create lands only when released', async () => {
  const sim = await startSimulator({ seed: 3 })
  try {
    const s = await login(sim, 'demo')
    const vol = sim.state.volumes.list(s.projectId).find((v) => v.status === 'available')
    assert.ok(vol)
    let land!: () => void
    sim.faults.loseResponse('POST /volume/v3/{project_id}/snapshots', 1, { landAfter: new Promise<void>((r) => (land = r)) })
    const before = sim.state.snapshots.size
    await assert.rejects(s.volume('POST', '/snapshots', { snapshot: { volume_id: vol.id, name: 'late' } }))
    assert.equal(sim.state.snapshots.size, before, 'the create has not landed while it is held')
    const second = await s.volume('POST', '/snapshots', { snapshot: { volume_id: vol.id, name: 'retry' } })
    assert.equal(second.status, 202, 'only the first call is lost and held')
    land()
    for (let i = 0; i < 100 && sim.state.snapshots.size < before + 2; i++) await new Promise((r) => setImmediate(r))
    assert.deepEqual(sim.state.snapshots.list().filter((x) => x.volumeId === vol.id).map((x) => x.name).sort(), ['late', 'retry'])
  } finally {
    await sim.close()
  }
})

test('a held call is handled once its promise settles', async () => {
  const sim = await startSimulator({ seed: 3 })
  try {
    const s = await login(sim, 'demo')
    let release!: () => void
    sim.faults.hold(ROUTE, new Promise<void>((r) => (release = r)), { times: 1 })
    let answered = false
    const pending = s.volume('GET', '/volumes/detail').then((r) => {
      answered = true
      return r
    })
    for (let i = 0; i < 1000 && sim.calls()[ROUTE] === undefined; i++) await new Promise((r) => setImmediate(r))
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r))
    assert.equal(sim.calls()[ROUTE], 1, 'the call reached the simulator')
    assert.equal(answered, false, 'the held call was answered')
    release()
    assert.equal((await pending).status, 200)
  } finally {
    await sim.close()
  }
})

test('expiring tokens now makes the next call answer 401 until a new token is issued', async () => {
  const sim = await startSimulator({ seed: 3, clock: createManualClock() })
  try {
    const s = await login(sim, 'demo')
    sim.faults.expireTokensNow()
    const r = await s.volume('GET', '/volumes/detail')
    assert.equal(r.status, 401)
    assert.equal(r.json.error.message, 'The request you have made requires authentication.')
    assert.equal((await (await login(sim, 'demo')).volume('GET', '/volumes/detail')).status, 200)
  } finally {
    await sim.close()
  }
})

test('virtual latency advances a manual clock instead of sleeping', async () => {
  const clock = createManualClock()
  const sim = await startSimulator({ seed: 3, clock, latencyMs: 250 })
  try {
    const t0 = clock.now()
    const s = await login(sim, 'demo')
    sim.faults.latency(1000, { route: ROUTE })
    await s.volume('GET', '/volumes/detail')
    assert.equal(clock.now() - t0, 250 + 250 + 1000)
  } finally {
    await sim.close()
  }
})

test('calls are counted per method and route template', async () => {
  const sim = await startSimulator({ seed: 3 })
  try {
    const s = await login(sim, 'demo')
    await s.volume('GET', '/volumes/detail')
    await s.volume('GET', '/volumes/detail?limit=1')
    assert.equal(sim.calls()[ROUTE], 2)
    assert.equal(sim.calls()['POST /identity/v3/auth/tokens'], 1)
    sim.resetCalls()
    assert.deepEqual(sim.calls(), {})
  } finally {
    await sim.close()
  }
})
