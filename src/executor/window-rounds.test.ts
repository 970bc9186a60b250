import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { silentLogger } from '../domain/logger.ts'
import type { SnapshotPlanItem } from '../domain/plan.ts'
import { WINDOW_METADATA_KEY } from './create-snapshot.ts'
import { runSnapshotPlan, type SnapshotRunOptions } from './run-snapshot-plan.ts'
import { createFakeCloud, trackCreatesInFlight, transientError } from './testing/fake-cloud.ts'
import { fakeTime, fixedRandom } from './testing/fake-time.ts'
import { aCreate, WINDOW_KEY } from './testing/plan-items.ts'
import { recordingMetrics } from './testing/recording-metrics.ts'

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

function setup() {
  const time = fakeTime()
  const cloud = createFakeCloud(time.clock)
  const deps = { cloud, clock: time.clock, sleep: time.sleep, random: fixedRandom(0.5), logger: silentLogger, metrics: recordingMetrics() }
  const run = (items: readonly SnapshotPlanItem[], options: SnapshotRunOptions = {}) =>
    runSnapshotPlan(items, deps, { pollIntervalMs: 1000, retry: { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000 }, ...options })
  return { time, cloud, run }
}

const count = (calls: readonly string[], prefix: string): number => calls.filter((c) => c.startsWith(prefix)).length
const LIST = 'list-snapshots'

/** 12 creates: 4 servers of 3 volumes each. */
const twelve = (): SnapshotPlanItem[] =>
  [0, 1, 2, 3].flatMap((srv) => [0, 1, 2].map((v) => aCreate(`vol-${srv}-${v}`, { group: `server:srv-${srv}` })))

describe('runSnapshotPlan: windows are confirmed in listing rounds shared by the run', () => {
  for (const waitForAvailable of [true, false]) {
    it(`a run of N creates makes N creates and one listing round, not a look per item (wait_for_available ${waitForAvailable})`, async () => {
      const { cloud, run } = setup()
      const result = await run(twelve(), { waitForAvailable, limits: { global: 3, perProject: 3 } })
      assert.equal(result.counts.succeeded, 12, JSON.stringify(result.items.map((i) => i.steps)))
      assert.equal(count(cloud.calls, 'create'), 12)
      assert.equal(count(cloud.calls, 'find'), 0, 'no per-item look')
      assert.deepEqual(cloud.calls.filter((c) => c.startsWith(LIST)), [`${LIST} ${WINDOW_METADATA_KEY}=${WINDOW_KEY}`])
      assert.equal(cloud.calls.at(-1), `${LIST} ${WINDOW_METADATA_KEY}=${WINDOW_KEY}`, 'the round comes after the last create')
      for (const r of result.items) assert.match(r.steps.at(-1) ?? '', waitForAvailable ? /^available: snap-/ : /^confirmed snap-\d+ \(available\)$/)
    })
  }

  it('one listing per window key in a round: two policies, two listings', async () => {
    const { cloud, run } = setup()
    const weekly = { ...aCreate('x').window, key: 'weekly/2026-03-29T02:30+02:00[Europe/Berlin]' }
    const items = [aCreate('vol-1'), aCreate('vol-2'), aCreate('vol-3', { window: weekly, metadata: { [WINDOW_METADATA_KEY]: weekly.key } })]
    const result = await run(items, { waitForAvailable: true })
    assert.equal(result.counts.succeeded, 3)
    assert.deepEqual(cloud.calls.filter((c) => c.startsWith(LIST)).sort(), [`${LIST} ${WINDOW_METADATA_KEY}=${WINDOW_KEY}`, `${LIST} ${WINDOW_METADATA_KEY}=${weekly.key}`])
  })

  it('the first round comes at once after the last create; a slow snapshot is looked at less often as its wait grows', async () => {
    const { cloud, run, time } = setup()
    cloud.readsUntilAvailable = 5
    const result = await run([aCreate('vol-1'), aCreate('vol-2')], { waitForAvailable: true })
    assert.equal(result.counts.succeeded, 2)
    assert.equal(count(cloud.calls, LIST), 5, cloud.calls.join(', '))
    assert.deepEqual(cloud.calls.slice(0, 3), ['create vol-1', 'create vol-2', `${LIST} ${WINDOW_METADATA_KEY}=${WINDOW_KEY}`])
    // The interval (1 s) doubles as the wait grows: 5 rounds span more than 1+2+4 s.
    const waits = time.sleeps.slice(1)
    assert.ok(waits.every((ms, i) => i === 0 || ms >= waits[i - 1]!), `non-decreasing: ${time.sleeps.join(', ')}`)
    assert.ok((waits.at(-1) ?? 0) >= 8000, `backed off: ${time.sleeps.join(', ')}`)
  })

  it('groups started early are looked at in rounds while later groups are still being created', async () => {
    const { cloud, run, time } = setup()
    let creates = 0
    cloud.createSnapshot = async (req, signal) => {
      // Each create takes 400 ms of (fake) time: 12 one at a time span 4.8 s, several poll intervals.
      time.advance(400)
      await tick()
      creates++
      return cloud.base.createSnapshot(req, signal)
    }
    cloud.readsUntilAvailable = 1
    const result = await run(twelve(), { waitForAvailable: true, limits: { global: 1, perProject: 1 } })
    assert.equal(result.counts.succeeded, 12)
    assert.equal(creates, 12)
    const firstRound = cloud.calls.findIndex((c) => c.startsWith(LIST))
    assert.ok(firstRound >= 0 && firstRound < cloud.calls.lastIndexOf('create vol-3-2'), `a round before the last create: ${cloud.calls.join(', ')}`)
    assert.equal(count(cloud.calls, 'find'), 0, 'no per-item look')
    assert.ok(count(cloud.calls, LIST) < 12, `fewer rounds than items: ${count(cloud.calls, LIST)}`)
  })

  it('a round asks the cloud only for the snapshots of the volumes it watches (volumeIds), not the whole window', async () => {
    const { cloud, run } = setup()
    const asked: string[][] = []
    cloud.listSnapshotsByMetadata = async (query, signal) => {
      asked.push([...(query.volumeIds ?? ['(all)'])].sort())
      return cloud.base.listSnapshotsByMetadata(query, signal)
    }
    const result = await run([aCreate('vol-1'), aCreate('vol-2'), aCreate('vol-3')], { waitForAvailable: true })
    assert.equal(result.counts.succeeded, 3)
    assert.deepEqual(asked, [['vol-1', 'vol-2', 'vol-3']])
  })

  it('a listing that fails transiently is tried again next round; the items still settle', async () => {
    const { cloud, run } = setup()
    let failures = 1
    cloud.listSnapshotsByMetadata = async (query, signal) => {
      if (failures-- > 0) {
        cloud.calls.push(`${LIST} failed`)
        throw transientError()
      }
      return cloud.base.listSnapshotsByMetadata(query, signal)
    }
    const result = await run([aCreate('vol-1'), aCreate('vol-2')], { waitForAvailable: true })
    assert.deepEqual(result.items.map((i) => i.status), ['succeeded', 'succeeded'])
    assert.deepEqual(cloud.calls.filter((c) => c.startsWith(LIST)), [`${LIST} failed`, `${LIST} ${WINDOW_METADATA_KEY}=${WINDOW_KEY}`])
  })

  it('creates whose answer was lost are looked at again at the end of the run in one listing, and each adopts without a second create', async () => {
    const { cloud, run } = setup()
    const lost = new Set<string>()
    cloud.createSnapshot = async (req, signal) => {
      const made = await cloud.base.createSnapshot(req, signal)
      if (!lost.has(req.volumeId)) {
        lost.add(req.volumeId)
        throw transientError('upstream connect error (response lost)')
      }
      return made
    }
    const result = await run([aCreate('vol-1'), aCreate('vol-2'), aCreate('vol-3')], { waitForAvailable: true })
    assert.equal(result.counts.succeeded, 3)
    assert.equal(count(cloud.calls, 'create'), 3, 'no second create')
    // The look before re-sending stays per item; the confirmation and the end-of-run look are rounds.
    assert.equal(count(cloud.calls, 'find'), 3)
    assert.equal(count(cloud.calls, LIST), 2, cloud.calls.join(', '))
    for (const r of result.items) {
      assert.ok(r.steps.some((s) => s.startsWith('adopted')), r.steps.join('\n'))
      assert.match(r.steps.at(-1) ?? '', /^end of run: window .* looked at again after a lost answer \(1 snapshot\)$/)
    }
  })

  it('a lost create that lands after its item settled is deleted by the end-of-run look (the retry holds the window)', async () => {
    const { cloud, run } = setup()
    let landLate: (() => void) | undefined
    cloud.createSnapshot = async (req, signal) => {
      if (landLate === undefined) {
        // The first create is lost and lands only later, newer than the retry's.
        landLate = () => {
          cloud.addSnapshot({ id: 'snap-late', volumeId: req.volumeId, status: 'available', createdAt: new Date('2026-03-29T06:00:00Z'), metadata: { ...req.metadata } })
        }
        throw transientError('upstream connect error (response lost)')
      }
      return cloud.base.createSnapshot(req, signal)
    }
    cloud.listSnapshotsByMetadata = async (query, signal) => {
      const found = await cloud.base.listSnapshotsByMetadata(query, signal)
      if (count(cloud.calls, LIST) === 1) landLate?.() // lands right after the confirming round
      return found
    }
    const result = await run([aCreate('vol-1')], { waitForAvailable: true })
    const r = result.items[0]!
    assert.equal(r.status, 'succeeded', r.steps.join('\n'))
    assert.equal(cloud.snapshots.has('snap-late'), false)
    assert.ok(r.steps.some((s) => s.startsWith("deleted another run's duplicate snap-late")), r.steps.join('\n'))
    assert.equal(count(cloud.calls, LIST), 2)
  })

  it('projects take turns: a plan that lists one project after another still runs both projects at once', async () => {
    const { cloud, run } = setup()
    const creates = trackCreatesInFlight(cloud)
    // 12 groups of project a, then 12 of project b: with 2 slots, 1 per project, only taking turns runs both.
    const items = ['a', 'b'].flatMap((p) => Array.from({ length: 12 }, (_, i) => aCreate(`vol-${p}-${i}`, { projectId: `project-${p}` })))
    const result = await run(items, { limits: { global: 2, perProject: 1 } })
    assert.equal(result.counts.succeeded, 24)
    assert.equal(creates.peak(), 2)
  })
})
