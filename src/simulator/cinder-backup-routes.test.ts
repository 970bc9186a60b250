import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createManualClock } from './sim-clock.ts'
import { startSimulator } from './start-simulator.ts'
import { login } from './testing/sim-client.ts'

test('a backup keeps the volume backing-up until the clock passes the transition, then it is in-use again', async () => {
  const clock = createManualClock()
  const sim = await startSimulator({ seed: 6, clock, transitionMs: 5000 })
  try {
    const s = await login(sim, 'demo')
    const vol = sim.state.volumes.list(s.projectId).find((v) => v.status === 'in-use' && !v.multiattach)
    assert.ok(vol)
    const r = await s.volume('POST', '/backups', { backup: { volume_id: vol.id, force: true } })
    assert.equal(r.status, 202)
    const id = r.json.backup.id as string
    assert.equal((await s.volume('GET', `/volumes/${vol.id}`)).json.volume.status, 'backing-up')
    const busy = await s.volume('POST', '/backups', { backup: { volume_id: vol.id, force: true } })
    assert.equal(busy.json.badRequest.message, 'Invalid volume: Volume to be backed up must be available or in-use, but the current status is "backing-up".')
    clock.advance(5000)
    assert.equal((await s.volume('GET', `/backups/${id}`)).json.backup.status, 'available')
    assert.equal((await s.volume('GET', `/volumes/${vol.id}`)).json.volume.status, 'in-use')
  } finally {
    await sim.close()
  }
})

test('a backup over the project quota answers 413 overLimit with the real message', async () => {
  const sim = await startSimulator({ seed: 6 })
  try {
    const s = await login(sim, 'demo')
    sim.state.setQuota(s.projectId, { backups: 2 })
    const vol = sim.state.volumes.list(s.projectId).find((v) => v.status === 'available')
    assert.ok(vol)
    const r = await s.volume('POST', '/backups', { backup: { volume_id: vol.id } })
    assert.equal(r.status, 413)
    assert.deepEqual(r.json, { overLimit: { code: 413, message: 'BackupLimitExceeded: Maximum number of backups allowed (2) exceeded', retryAfter: '0' } })
    const q = await s.volume('GET', `/os-quota-sets/${s.projectId}?usage=true`)
    assert.deepEqual(q.json.quota_set.backups, { limit: 2, in_use: 2, reserved: 0 })
  } finally {
    await sim.close()
  }
})

test('the parent of an incremental backup is the newest available backup of the volume', async () => {
  const sim = await startSimulator({ seed: 6 })
  try {
    const s = await login(sim, 'demo')
    const chain = sim.state.backups.list(s.projectId)
    const newest = chain[chain.length - 1]
    assert.ok(newest)
    const r = await s.volume('POST', '/backups', { backup: { volume_id: newest.volumeId, incremental: true, force: true } })
    assert.equal(r.status, 202)
    assert.equal(sim.state.backups.get(r.json.backup.id)?.parentId, newest.id)
    assert.equal(sim.state.hasDependentBackups(newest.id), true)
  } finally {
    await sim.close()
  }
})
