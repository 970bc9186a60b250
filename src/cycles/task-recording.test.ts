import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { test } from 'node:test'
import type { NewBackupTask, Store } from '../domain/store-port.ts'
import { openStore } from '../store/index.ts'
import { TaskRecording } from './task-recording.ts'

const NOW = new Date('2026-01-01T00:00:00Z')

function tasks(n: number): NewBackupTask[] {
  return Array.from({ length: n }, (_, i) => ({
    id: randomUUID(), cycleId: 'c1', projectId: 'p1', serverId: `s${i}`, serverName: `s${i}`, volumeId: `v${i}`, volumeName: `v${i}`, kind: 'full' as const, plannedAt: NOW,
  }))
}

async function withStore(fn: (store: Store) => Promise<void>): Promise<void> {
  const store = openStore({ url: ':memory:' })
  await store.migrate()
  try {
    await fn(store)
  } finally {
    await store.close()
  }
}

test('tasks are recorded a chunk at a time: a worker waiting on the feed can claim the first chunk before the next is recorded', () =>
  withStore(async (store) => {
    const all = tasks(7)
    const feed = new TaskRecording()
    const claimedBetween: number[] = []
    let turns = 0
    // Each turn between chunks, a worker claims what is there (real claims on the same store).
    const yieldTurn = async (): Promise<void> => {
      turns++
      claimedBetween.push((await store.claimTasks(`w${turns}`, 100, NOW, 60_000)).length)
    }
    assert.equal(feed.open, true)
    const told = feed.recorded()
    await feed.record(store, all, {}, { firstChunk: 2, chunk: 3, yieldTurn })
    await told
    assert.equal(feed.open, false)
    assert.deepEqual(claimedBetween, [2, 3], 'the first chunk (2), then the second (3), each claimable before the next was recorded')
    assert.equal(feed.inserted.length, 7)
    assert.deepEqual(feed.skippedVolumeIds, [])
    assert.equal((await store.claimTasks('last', 100, NOW, 60_000)).length, 2, 'the last chunk was recorded too')
  }))

test('a task whose volume already has an open task is skipped in its chunk, as planTasks skips it', () =>
  withStore(async (store) => {
    const [first] = tasks(1)
    await store.planTasks([first!])
    const again = { ...first!, id: randomUUID() }
    const feed = new TaskRecording()
    await feed.record(store, [...tasks(3).map((t) => ({ ...t, volumeId: `other-${t.volumeId}` })), again], {}, { firstChunk: 1, chunk: 2 })
    assert.equal(feed.inserted.length, 3)
    assert.deepEqual(feed.skippedVolumeIds, [first!.volumeId])
  }))

test('a store error ends the recording: it is thrown, and the feed is closed so no worker waits for more', () =>
  withStore(async (store) => {
    const feed = new TaskRecording()
    const waiting = feed.recorded()
    const failing = { planTasks: () => Promise.reject(new Error('disk full')) }
    await assert.rejects(feed.record(failing, tasks(3), {}, { firstChunk: 1, chunk: 1 }), /disk full/)
    await waiting
    assert.equal(feed.open, false)
    assert.equal((await store.claimTasks('w', 10, NOW, 60_000)).length, 0)
  }))

test('an aborted recording stops between chunks: the rest is left for the next run', () =>
  withStore(async (store) => {
    const feed = new TaskRecording()
    const stop = new AbortController()
    await feed.record(store, tasks(5), {}, { firstChunk: 2, chunk: 2, signal: stop.signal, yieldTurn: async () => stop.abort() })
    assert.equal(feed.inserted.length, 2)
    assert.equal(feed.open, false)
  }))
