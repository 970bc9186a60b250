import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createPrng } from './prng.ts'
import { createManualClock } from './sim-clock.ts'
import { SimFaults } from './sim-faults.ts'
import { SimState } from './sim-state.ts'

function setup(transitionMs = 1000) {
  const clock = createManualClock(Date.parse('2024-03-01T00:00:00Z'))
  const faults = new SimFaults(1)
  const state = new SimState({ prng: createPrng(1), clock, faults, tokenLifetimeMs: 3600_000, transitionMs })
  const vol = state.addVolume({ projectId: 'p1', name: 'v' })
  return { clock, faults, state, vol }
}

test('a creating snapshot becomes available only once its transition time has passed', () => {
  const { clock, state, vol } = setup()
  const snap = state.addSnapshot({ volumeId: vol.id, status: 'creating' })
  state.schedule(snap, { to: 'available' })
  clock.advance(999)
  state.settle()
  assert.equal(snap.status, 'creating')
  clock.advance(1)
  state.settle()
  assert.equal(snap.status, 'available')
  assert.equal(snap.updatedAt, clock.now())
})

test('a deleting snapshot disappears from every index when its transition completes', () => {
  const { clock, state, vol } = setup()
  const snap = state.addSnapshot({ volumeId: vol.id })
  snap.status = 'deleting'
  state.schedule(snap, { to: null })
  state.settle()
  assert.equal(state.snapshots.get(snap.id), snap)
  clock.advance(1000)
  state.settle()
  assert.equal(state.snapshots.get(snap.id), undefined)
  assert.equal(state.snapshots.list('p1').length, 0)
})

test('a stuck status holds resources of that kind until unstuck', () => {
  const { clock, faults, state, vol } = setup()
  faults.stick('snapshot', 'creating')
  const snap = state.addSnapshot({ volumeId: vol.id, status: 'creating' })
  state.schedule(snap, { to: 'available' })
  clock.advance(60_000)
  state.settle()
  assert.equal(snap.status, 'creating')
  faults.unstick()
  state.settle()
  assert.equal(snap.status, 'available')
})

test('a stuck id holds only that resource', () => {
  const { clock, faults, state, vol } = setup()
  const a = state.addSnapshot({ volumeId: vol.id, status: 'creating' })
  const b = state.addSnapshot({ volumeId: vol.id, status: 'creating' })
  faults.stick('snapshot', 'creating', a.id)
  state.schedule(a, { to: 'available' })
  state.schedule(b, { to: 'available' })
  clock.advance(1000)
  state.settle()
  assert.equal(a.status, 'creating')
  assert.equal(b.status, 'available')
})

test('failing transitions end a create in error and a delete in error_deleting', () => {
  const { clock, faults, state, vol } = setup()
  faults.failTransitions('snapshot', { times: 2 })
  const created = state.addSnapshot({ volumeId: vol.id, status: 'creating' })
  state.schedule(created, { to: 'available' })
  const deleted = state.addSnapshot({ volumeId: vol.id, status: 'deleting' })
  state.schedule(deleted, { to: null })
  clock.advance(1000)
  state.settle()
  assert.equal(created.status, 'error')
  assert.equal(deleted.status, 'error_deleting')
  assert.equal(state.snapshots.get(deleted.id), deleted)
})

test('a finished backup gives the volume back the status it had before backing-up', () => {
  const { clock, state } = setup()
  const server = state.addServer({ projectId: 'p1', name: 's' })
  const vol = state.addVolume({ projectId: 'p1', name: 'attached' })
  state.attach(server.id, vol.id)
  const backup = state.addBackup({ volumeId: vol.id, status: 'creating', volumeStatusBefore: vol.status })
  vol.status = 'backing-up'
  state.schedule(backup, { to: 'available' })
  clock.advance(1000)
  state.settle()
  assert.equal(backup.status, 'available')
  assert.equal(vol.status, 'in-use')
})

test('an incremental backup marks its parent as having dependents until it is removed', () => {
  const { state, vol } = setup()
  const full = state.addBackup({ volumeId: vol.id })
  const incr = state.addBackup({ volumeId: vol.id, parentId: full.id })
  assert.equal(state.hasDependentBackups(full.id), true)
  state.removeResource(incr)
  assert.equal(state.hasDependentBackups(full.id), false)
})

test('attaching a volume to two servers keeps it in-use until both detach', () => {
  const { state } = setup()
  const a = state.addServer({ projectId: 'p1', name: 'a' })
  const b = state.addServer({ projectId: 'p1', name: 'b' })
  const vol = state.addVolume({ projectId: 'p1', name: 'shared', multiattach: true })
  state.attach(a.id, vol.id)
  state.attach(b.id, vol.id)
  assert.deepEqual(vol.attachments.map((x) => x.serverId), [a.id, b.id])
  state.detach(a.id, vol.id)
  assert.equal(vol.status, 'in-use')
  state.detach(b.id, vol.id)
  assert.equal(vol.status, 'available')
})
