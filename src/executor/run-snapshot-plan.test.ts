import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { silentLogger } from '../domain/logger.ts'
import type { SnapshotPlanItem } from '../domain/plan.ts'
import type { SnapshotRecord } from '../domain/inventory.ts'
import { WINDOW_METADATA_KEY } from './create-snapshot.ts'
import { runSnapshotPlan, SnapshotRunCancelledError, type SnapshotProgress, type SnapshotRunOptions } from './run-snapshot-plan.ts'
import { badRequestError, createFakeCloud, forbiddenError, trackCreatesInFlight, transientError, type FakeCloud } from './testing/fake-cloud.ts'
import { fakeTime, fixedRandom } from './testing/fake-time.ts'
import { aCreate, aDelete, WINDOW_KEY } from './testing/plan-items.ts'
import { recordingMetrics } from './testing/recording-metrics.ts'

function setup() {
  const time = fakeTime()
  const cloud = createFakeCloud(time.clock)
  const metrics = recordingMetrics()
  const deps = { cloud, clock: time.clock, sleep: time.sleep, random: fixedRandom(0.5), logger: silentLogger, metrics }
  const run = (items: readonly SnapshotPlanItem[], options: SnapshotRunOptions = {}) =>
    runSnapshotPlan(items, deps, { pollIntervalMs: 1000, retry: { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000 }, ...options })
  return { time, cloud, metrics, deps, run }
}

const inWindow = (cloud: FakeCloud, volumeId = 'vol-1'): SnapshotRecord[] =>
  [...cloud.snapshots.values()].filter((s) => s.volumeId === volumeId && s.metadata[WINDOW_METADATA_KEY] === WINDOW_KEY)
const count = (calls: readonly string[], prefix: string): number => calls.filter((c) => c.startsWith(prefix)).length

describe('runSnapshotPlan: one snapshot per volume, policy and window', () => {
  it('records the window key on the snapshot it creates', async () => {
    const { cloud, run, metrics } = setup()
    const result = await run([aCreate('vol-1', { metadata: {} })])
    assert.equal(result.items[0]?.status, 'succeeded')
    const [snap] = inWindow(cloud)
    assert.equal(snap?.id, result.items[0]?.snapshotId)
    assert.equal(metrics.count('snapwarden_snapshots_created_total', { project: 'project-a', policy: 'daily' }), 1)
  })

  it('adopts the snapshot a create made when its response was lost, and creates no second one', async () => {
    const { cloud, run } = setup()
    cloud.createSnapshot = async (req, signal) => {
      const made = await cloud.base.createSnapshot(req, signal)
      if (count(cloud.calls, 'create') === 1) throw transientError('upstream connect error (response lost)')
      return made
    }
    const result = await run([aCreate('vol-1')])
    assert.equal(count(cloud.calls, 'create'), 1)
    assert.equal(inWindow(cloud).length, 1)
    assert.equal(result.items[0]?.status, 'succeeded')
    assert.equal(result.items[0]?.snapshotId, inWindow(cloud)[0]?.id)
    assert.ok(result.items[0]?.steps.some((s) => s.startsWith('adopted')))
  })

  it('creates again after a transient failure only when no snapshot exists for the window', async () => {
    const { cloud, run, metrics } = setup()
    let failures = 1
    cloud.createSnapshot = async (req, signal) => {
      if (failures-- > 0) throw transientError()
      return cloud.base.createSnapshot(req, signal)
    }
    const result = await run([aCreate('vol-1')])
    assert.equal(result.items[0]?.status, 'succeeded')
    assert.equal(inWindow(cloud).length, 1)
    assert.equal(metrics.count('snapwarden_api_retries_total', { operation: 'create_snapshot' }), 1)
  })

  it('keeps the older snapshot of a killed run when a stale plan creates again: its own newer one is deleted', async () => {
    const { cloud, run } = setup()
    const left = cloud.addSnapshot({ id: 'snap-crashed', volumeId: 'vol-1', status: 'available', createdAt: new Date(Date.parse('2026-01-01T00:00:00Z')), metadata: { [WINDOW_METADATA_KEY]: WINDOW_KEY } })
    const result = await run([aCreate('vol-1')])
    assert.equal(result.items[0]?.status, 'succeeded')
    assert.equal(result.items[0]?.snapshotId, left.id)
    assert.deepEqual(inWindow(cloud).map((s) => s.id), [left.id])
  })

  it('leaves exactly one snapshot when two overlapping runs both create: the newer is deleted by its own run', async () => {
    const { cloud, deps } = setup()
    let arrived = 0
    let open!: () => void
    const bothChecked = new Promise<void>((resolve) => (open = resolve))
    cloud.listSnapshotsByMetadata = async (query, signal) => {
      const found = await cloud.base.listSnapshotsByMetadata(query, signal)
      if (++arrived === 2) open()
      if (arrived <= 2) await bothChecked // both runs' first round lists the window before either acts on it
      return found
    }
    const options = { pollIntervalMs: 1000, waitForAvailable: true }
    const [a, b] = await Promise.all([runSnapshotPlan([aCreate('vol-1')], deps, options), runSnapshotPlan([aCreate('vol-1')], deps, options)])
    assert.equal(count(cloud.calls, 'create'), 2)
    assert.equal(inWindow(cloud).length, 1)
    const kept = inWindow(cloud)[0]!.id
    assert.equal(a.items[0]?.snapshotId, kept)
    assert.equal(b.items[0]?.snapshotId, kept)
    assert.equal(a.items[0]?.status, 'succeeded')
    assert.equal(b.items[0]?.status, 'succeeded')
    assert.ok([...a.items[0]!.steps, ...b.items[0]!.steps].some((s) => s.startsWith('deleted own duplicate')))
  })

  it('never adopts an error snapshot of the window after a failed create: it creates again and deletes the error one', async () => {
    const { cloud, run } = setup()
    const failed = cloud.addSnapshot({ id: 'snap-failed', volumeId: 'vol-1', status: 'error', createdAt: new Date('2026-03-29T01:00:00Z'), metadata: { [WINDOW_METADATA_KEY]: WINDOW_KEY } })
    let failures = 1
    cloud.createSnapshot = async (req, signal) => {
      if (failures-- > 0) throw transientError()
      return cloud.base.createSnapshot(req, signal)
    }
    const result = await run([aCreate('vol-1')])
    const r = result.items[0]!
    assert.equal(r.status, 'succeeded', r.steps.join('\n'))
    assert.equal(count(cloud.calls, 'create'), 1, 'the failed attempt sent nothing; the retry created')
    assert.notEqual(r.snapshotId, failed.id)
    assert.deepEqual(inWindow(cloud).map((s) => [s.id, s.status]), [[r.snapshotId, 'available']])
    assert.ok(r.steps.some((s) => s.startsWith(`deleted another run's duplicate ${failed.id} (error)`)), r.steps.join('\n'))
  })

  it("deletes another run's newer duplicate once it leaves creating, polling the window meanwhile", async () => {
    const { cloud, run } = setup()
    cloud.readsUntilAvailable = 3
    const newer = cloud.addSnapshot({ id: 'snap-zzz', volumeId: 'vol-1', status: 'creating', createdAt: new Date('2026-03-29T12:00:00Z'), metadata: { [WINDOW_METADATA_KEY]: WINDOW_KEY } })
    cloud.createSnapshot = async (req, signal) => ({ ...(await cloud.base.createSnapshot(req, signal)), createdAt: new Date('2026-03-29T11:00:00Z') })
    const result = await run([aCreate('vol-1')])
    const r = result.items[0]!
    assert.equal(r.status, 'succeeded', r.steps.join('\n'))
    assert.equal(cloud.snapshots.has(newer.id), false)
    assert.deepEqual(inWindow(cloud).map((s) => s.id), [r.snapshotId])
    assert.ok(r.steps.some((s) => s.startsWith(`deleted another run's duplicate ${newer.id} (available)`)), r.steps.join('\n'))
  })

  it('a planned duplicate delete looks at the window again: deleted while another snapshot holds it, kept when it holds the window now', async () => {
    const { cloud, run } = setup()
    const meta = { [WINDOW_METADATA_KEY]: WINDOW_KEY }
    cloud.addSnapshot({ id: 'snap-a', volumeId: 'vol-1', createdAt: new Date('2026-03-29T01:00:00Z'), metadata: meta })
    cloud.addSnapshot({ id: 'snap-b', volumeId: 'vol-1', createdAt: new Date('2026-03-29T01:00:00Z'), metadata: meta })
    const dup = (id: string) => aDelete(id, 'duplicate', 'available', { windowKey: WINDOW_KEY })
    const first = await run([dup('snap-b')])
    assert.equal(first.items[0]?.status, 'succeeded', first.items[0]?.steps.join('\n'))
    assert.deepEqual(inWindow(cloud).map((s) => s.id), ['snap-a'])
    assert.ok(first.items[0]?.steps.some((s) => s.startsWith("deleted another run's duplicate snap-b")), first.items[0]?.steps.join('\n'))
    // A stale plan: snap-a is alone in its window now, so it is not deleted.
    const second = await run([dup('snap-a')])
    assert.equal(second.items[0]?.status, 'skipped')
    assert.match(second.items[0]?.steps.join(' ') ?? '', /not deleted: the window has changed/)
    assert.deepEqual(inWindow(cloud).map((s) => s.id), ['snap-a'])
  })

  it('fails the item with OS_RESOURCE_FAILED when the snapshot lands in error, keeping its id for healing', async () => {
    const { cloud, run, metrics } = setup()
    cloud.createSnapshot = async (req, signal) => {
      const made = await cloud.base.createSnapshot(req, signal)
      cloud.snapshots.set(made.id, { ...made, status: 'error' })
      return made
    }
    const result = await run([aCreate('vol-1')], { waitForAvailable: true })
    assert.equal(result.items[0]?.status, 'failed')
    assert.equal(result.items[0]?.error?.code, 'OS_RESOURCE_FAILED')
    assert.equal(result.items[0]?.snapshotId, 'snap-0001')
    assert.equal(metrics.count('snapwarden_item_failures_total', { action: 'create', code: 'OS_RESOURCE_FAILED' }), 1)
  })

  it('reports one failing item without throwing and runs the others', async () => {
    const { cloud, run } = setup()
    cloud.createSnapshot = async (req, signal) => {
      if (req.volumeId === 'vol-2') throw badRequestError('Invalid volume: volume is in maintenance (HTTP 400)')
      return cloud.base.createSnapshot(req, signal)
    }
    const result = await run([aCreate('vol-1'), aCreate('vol-2'), aCreate('vol-3')])
    assert.deepEqual(result.items.map((r) => r.status), ['succeeded', 'failed', 'succeeded'])
    assert.equal(result.items[1]?.error?.code, 'OS_BAD_REQUEST')
    assert.deepEqual(result.counts, { total: 3, succeeded: 2, failed: 1, skipped: 0 })
  })
})

describe('runSnapshotPlan: groups and concurrency', () => {
  /** Tracks creates in flight; each create yields once so concurrent ones overlap. */
  it('starts all creates of a server group together, before waiting on any, and records their spread', async () => {
    const { cloud, run, time } = setup()
    const t = trackCreatesInFlight(cloud, () => time.advance(10))
    const items = ['vol-1', 'vol-2', 'vol-3'].map((v) => aCreate(v, { group: 'server:srv-1' }))
    const result = await run(items, { waitForAvailable: true })
    assert.equal(t.peak(), 3)
    const lastCreate = cloud.calls.findLastIndex((c) => c.startsWith('create'))
    const looksBefore = cloud.calls.slice(0, lastCreate).filter((c) => c.startsWith('find') || c.startsWith('list-snapshots')).length
    assert.equal(looksBefore, 0, 'no confirmation poll comes before the last create of the group')
    assert.deepEqual(result.groups, [{ group: 'server:srv-1', projectId: 'project-a', size: 3, spreadMs: 20 }])
    assert.equal(result.counts.succeeded, 3)
  })

  it('runs detached volumes one by one when sequentialDetached is set', async () => {
    const { cloud, run } = setup()
    const t = trackCreatesInFlight(cloud)
    const items = ['vol-1', 'vol-2', 'vol-3'].map((v) => aCreate(v))
    const result = await run(items, { sequentialDetached: true, waitForAvailable: true })
    assert.equal(t.peak(), 1)
    assert.deepEqual(cloud.calls.filter((c) => c.startsWith('create')), ['create vol-1', 'create vol-2', 'create vol-3'])
    assert.equal(result.counts.succeeded, 3)
  })

  it('runs detached volumes concurrently when sequentialDetached is not set', async () => {
    const { cloud, run } = setup()
    const t = trackCreatesInFlight(cloud)
    await run(['vol-1', 'vol-2', 'vol-3'].map((v) => aCreate(v)))
    assert.equal(t.peak(), 3)
  })

  it('never has more creates in flight than the global limit', async () => {
    const { cloud, run } = setup()
    const t = trackCreatesInFlight(cloud)
    const items = ['vol-1', 'vol-2', 'vol-3', 'vol-4', 'vol-5'].map((v, i) => aCreate(v, { projectId: `p${i}` }))
    await run(items, { limits: { global: 2, perProject: 2 } })
    assert.equal(t.peak(), 2)
  })
})

describe('runSnapshotPlan: a group larger than the per-project limit', () => {
  it('keeps its creates in flight within the limit, sending the next as one is answered, all before any wait', async () => {
    const { cloud, run } = setup()
    const t = trackCreatesInFlight(cloud)
    const items = ['vol-1', 'vol-2', 'vol-3', 'vol-4', 'vol-5'].map((v) => aCreate(v, { group: 'server:srv-big' }))
    const result = await run(items, { waitForAvailable: true, limits: { global: 8, perProject: 2 } })
    assert.equal(t.peak(), 2)
    assert.deepEqual(cloud.calls.filter((c) => c.startsWith('create')), ['create vol-1', 'create vol-2', 'create vol-3', 'create vol-4', 'create vol-5'])
    const lastCreate = cloud.calls.findLastIndex((c) => c.startsWith('create'))
    assert.equal(cloud.calls.slice(0, lastCreate).filter((c) => c.startsWith('list-snapshots')).length, 0, cloud.calls.join(', '))
    assert.equal(result.counts.succeeded, 5)
  })
})

describe('runSnapshotPlan: slots go on as soon as a create is answered', () => {
  it("a group's answered creates free their slots for the next group while its slow create is still in flight", async () => {
    const { cloud, run } = setup()
    let answerSlow!: () => void
    const slowAnswered = new Promise<void>((resolve) => (answerSlow = resolve))
    const sentBeforeSlowAnswered: string[] = []
    let slowDone = false
    cloud.createSnapshot = async (req, signal) => {
      if (!slowDone) sentBeforeSlowAnswered.push(req.volumeId)
      if (req.volumeId === 'vol-slow') {
        await slowAnswered
        slowDone = true
      }
      const made = await cloud.base.createSnapshot(req, signal)
      // The next group is sent while the slow create waits: answering it now lets the run end.
      if (req.volumeId === 'vol-next-2') answerSlow()
      return made
    }
    const first = ['vol-slow', 'vol-fast-1', 'vol-fast-2'].map((v) => aCreate(v, { group: 'server:srv-1' }))
    const next = ['vol-next-1', 'vol-next-2'].map((v) => aCreate(v, { group: 'server:srv-2' }))
    const result = await run([...first, ...next], { limits: { global: 4, perProject: 4 } })
    assert.equal(result.counts.succeeded, 5)
    // Holding srv-1's three slots until its slowest create is answered would have kept srv-2 (two slots) waiting.
    assert.deepEqual(sentBeforeSlowAnswered, ['vol-slow', 'vol-fast-1', 'vol-fast-2', 'vol-next-1', 'vol-next-2'])
  })
})

describe('runSnapshotPlan: deletes and healing', () => {
  it('deletes an expired snapshot, retrying a transient error, and counts it', async () => {
    const { cloud, run, metrics } = setup()
    cloud.addSnapshot({ id: 'snap-old', volumeId: 'vol-1' })
    let failures = 1
    cloud.deleteSnapshot = async (id, signal) => {
      if (failures-- > 0) throw transientError()
      return cloud.base.deleteSnapshot(id, signal)
    }
    const result = await run([aDelete('snap-old', 'expire')])
    assert.equal(result.items[0]?.status, 'succeeded')
    assert.equal(cloud.snapshots.has('snap-old'), false)
    assert.equal(metrics.count('snapwarden_snapshots_deleted_total', { project: 'project-a', policy: '', purpose: 'expire' }), 1)
  })

  it('heals a stuck snapshot by force-deleting it when the plain delete is refused', async () => {
    const { cloud, run, metrics } = setup()
    cloud.addSnapshot({ id: 'snap-stuck', volumeId: 'vol-1', status: 'error_deleting' })
    const result = await run([aDelete('snap-stuck', 'heal', 'error_deleting')])
    assert.equal(result.items[0]?.status, 'succeeded')
    assert.deepEqual(cloud.calls.filter((c) => !c.startsWith('get')), ['delete snap-stuck', 'force-delete snap-stuck'])
    assert.equal(cloud.snapshots.has('snap-stuck'), false)
    assert.equal(metrics.count('snapwarden_heal_steps_total', { step: 'force_delete' }), 1)
    assert.equal(metrics.count('snapwarden_snapshots_deleted_total', { project: 'project-a', policy: '', purpose: 'heal' }), 1)
  })

  it('escalates to force-delete when an accepted delete leaves the snapshot in place past the timeout', async () => {
    const { cloud, run, time } = setup()
    cloud.addSnapshot({ id: 'snap-err', volumeId: 'vol-1', status: 'error' })
    cloud.deleteSnapshot = async (id) => {
      cloud.calls.push(`delete ${id}`)
      cloud.snapshots.set(id, { ...cloud.snapshots.get(id)!, status: 'deleting' })
    }
    const result = await run([aDelete('snap-err', 'heal', 'error')], { healTimeoutMs: 10_000 })
    assert.equal(result.items[0]?.status, 'succeeded')
    assert.ok(result.items[0]?.steps.some((s) => s.startsWith('still there after delete')))
    assert.ok(cloud.calls.includes('force-delete snap-err'))
    assert.equal(time.sleeps.reduce((a, b) => a + b, 0), 10_000, 'waited the heal timeout on the fake clock')
  })

  it('reports a stuck snapshot as failed when the credential may not force-delete (403)', async () => {
    const { cloud, run, metrics } = setup()
    cloud.addSnapshot({ id: 'snap-stuck', volumeId: 'vol-1', status: 'deleting' })
    cloud.forceDeleteSnapshot = async (id) => {
      cloud.calls.push(`force-delete ${id}`)
      throw forbiddenError()
    }
    const result = await run([aDelete('snap-stuck', 'heal', 'deleting')])
    const r = result.items[0]!
    assert.equal(r.status, 'failed')
    assert.equal(r.error?.code, 'OS_FORBIDDEN')
    assert.match(r.error?.message ?? '', /may not force-delete/)
    assert.equal(cloud.snapshots.has('snap-stuck'), true)
    assert.deepEqual(r.steps.slice(-2), ['force-delete requested', r.error?.message])
    assert.equal(metrics.count('snapwarden_heal_steps_total', { step: 'reported' }), 1)
    assert.equal(metrics.count('snapwarden_item_failures_total', { action: 'heal', code: 'OS_FORBIDDEN' }), 1)
  })
})

describe('runSnapshotPlan: pass-through, dry run, progress and cancellation', () => {
  it('sends nothing in a dry run and skips every create and delete with step dry-run', async () => {
    const { cloud, run } = setup()
    const result = await run([aCreate('vol-1'), aDelete('snap-1', 'expire'), aDelete('snap-2', 'heal', 'error')], { dryRun: true })
    assert.deepEqual(cloud.calls, [])
    assert.deepEqual(result.items.map((r) => [r.status, r.steps]), [
      ['skipped', ['dry-run']],
      ['skipped', ['dry-run']],
      ['skipped', ['dry-run']],
    ])
  })

  it('passes keep and skip items through as skipped without calling the cloud', async () => {
    const { cloud, run } = setup()
    const result = await run([
      { action: 'keep', snapshotId: 'snap-1', volumeId: 'vol-1', projectId: 'project-a', reasons: ['newest 7'] },
      { action: 'skip', volumeId: 'vol-2', projectId: 'project-a', reasons: ['volume is in error'] },
    ])
    assert.deepEqual(cloud.calls, [])
    assert.deepEqual(result.items.map((r) => r.status), ['skipped', 'skipped'])
    assert.equal(result.items[0]?.snapshotId, 'snap-1')
  })

  it('reports progress once per item with a growing done count', async () => {
    const { run } = setup()
    const seen: SnapshotProgress[] = []
    await run([aCreate('vol-1'), aCreate('vol-2'), aDelete('snap-x', 'expire')], { onProgress: (p) => seen.push(p) })
    assert.deepEqual(seen.map((p) => [p.done, p.total]), [[1, 3], [2, 3], [3, 3]])
  })

  it('throws SnapshotRunCancelledError with the finished items when the signal aborts', async () => {
    const { cloud, run } = setup()
    const controller = new AbortController()
    cloud.createSnapshot = async (req, signal) => {
      if (req.volumeId === 'vol-2') controller.abort()
      return cloud.base.createSnapshot(req, signal)
    }
    await assert.rejects(
      run([aDelete('snap-x', 'expire'), aCreate('vol-2', { group: 'server:s' })], { signal: controller.signal, waitForAvailable: true }),
      (err) => {
        assert.ok(err instanceof SnapshotRunCancelledError)
        assert.equal(err.code, 'EXEC_CANCELLED')
        assert.ok(err.partial.items.every((r) => r.item.action !== 'create'), 'the cancelled create is not recorded as an outcome')
        return true
      },
    )
  })
})

describe('runSnapshotPlan: pool slots are for requests in flight', () => {
  it('a group waiting for its snapshot to become available holds no slot: the next group is created meanwhile', async () => {
    const { cloud, run } = setup()
    cloud.readsUntilAvailable = 4
    const result = await run([aCreate('vol-1'), aCreate('vol-2')], { waitForAvailable: true, limits: { global: 1, perProject: 1 } })
    assert.deepEqual(result.items.map((i) => i.status), ['succeeded', 'succeeded'])
    // vol-1 is available at its 4th read (listing round); vol-2's create went out before that, while vol-1 waited.
    const lastRound = cloud.calls.findLastIndex((c) => c.startsWith('list-snapshots'))
    assert.ok(cloud.calls.indexOf('create vol-2') < lastRound, cloud.calls.join(', '))
    assert.equal(count(cloud.calls, 'list-snapshots'), 4, cloud.calls.join(', '))
  })
})
