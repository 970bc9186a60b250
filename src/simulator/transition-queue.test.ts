import assert from 'node:assert/strict'
import { test } from 'node:test'
import { TransitionQueue } from './transition-queue.ts'
import type { SimResource, SimSnapshot } from './sim-types.ts'

const snap = (id: string): SimSnapshot => ({
  kind: 'snapshot', id, projectId: 'p', userId: '', volumeId: 'v', name: null, description: null, size: 1, status: 'creating', createdAt: 0, updatedAt: null, metadata: {},
})

function scheduled(q: TransitionQueue, r: SimResource, at: number): void {
  const t = { to: 'available', at }
  r.transition = t
  q.push(r, t)
}

test('only due transitions are taken, in the order the resources became pending', () => {
  const q = new TransitionQueue()
  const [a, b, c] = [snap('a'), snap('b'), snap('c')]
  scheduled(q, a, 30)
  scheduled(q, b, 10)
  scheduled(q, c, 20)
  assert.deepEqual(q.takeDue(5, () => false), [])
  assert.deepEqual(q.takeDue(30, () => false).map((r) => r.id), ['a', 'b', 'c'])
  assert.equal(q.size, 0)
})

test('settling looks only at what is due, not at every pending resource', () => {
  const q = new TransitionQueue()
  for (let i = 0; i < 10_000; i++) scheduled(q, snap(`later-${i}`), 1_000_000 + i)
  const now = snap('now')
  scheduled(q, now, 1)
  let looked = 0
  const taken = q.takeDue(2, () => {
    looked++
    return false
  })
  assert.deepEqual(taken.map((r) => r.id), ['now'])
  assert.equal(looked, 1)
  assert.equal(q.size, 10_000)
})

test('a held resource stays pending and is taken once released; a cleared or replaced transition is not applied', () => {
  const q = new TransitionQueue()
  const [held, cleared, replaced] = [snap('held'), snap('cleared'), snap('replaced')]
  scheduled(q, held, 1)
  scheduled(q, cleared, 1)
  scheduled(q, replaced, 1)
  delete cleared.transition
  scheduled(q, replaced, 50)
  let stuck = true
  assert.deepEqual(q.takeDue(10, (r) => stuck && r.id === 'held'), [])
  assert.equal(q.size, 2)
  stuck = false
  assert.deepEqual(q.takeDue(10, () => false).map((r) => r.id), ['held'])
  assert.deepEqual(q.takeDue(50, () => false).map((r) => r.id), ['replaced'])
  assert.equal(q.size, 0)
})
