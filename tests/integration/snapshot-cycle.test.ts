// The snapshot cycle end to end against the in-process simulator: our real client, adapter,
// planner and executor. Time is the simulator's ManualClock (sleep advances it), so nothing waits.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { failuresOf, runSnapshotCycle, type CycleOptions, type CycleReport } from '../../src/cycles/snapshot-cycle.ts'
import {
  callsOf,
  connectAs,
  cycleDeps,
  listingRequests,
  liveSnapshotsOf,
  ROUTES,
  SNAPSHOT_WINDOW_KEY,
  startSimHarness,
  testConfig,
  windowListings,
  type SimHarness,
} from '../support/sim-cloud.ts'
import { addStuckSnapshot, addVolume, barrier, DAILY, liftQuota, projectIds } from '../support/sim-scenario.ts'
import type { Simulator } from '../../src/simulator/index.ts'

const CREATE: CycleOptions = { mode: 'create', allProjects: false, dryRun: false }
const EXPIRE: CycleOptions = { mode: 'expire', allProjects: false, dryRun: false }
const TODAY_WINDOW = 'daily/2026-03-10T00:00+00:00[UTC]'

async function withSim<T>(fn: (h: SimHarness) => Promise<T>, opts: Parameters<typeof startSimHarness>[0] = {}): Promise<T> {
  const h = await startSimHarness(opts)
  try {
    return await fn(h)
  } finally {
    await h.close()
  }
}

function resultsOf(report: CycleReport, action: string) {
  return (report.result?.items ?? []).filter((r) => r.item.action === action)
}

function windowsOf(snaps: { metadata: Record<string, string> }[]): string[] {
  return snaps.map((s) => s.metadata[SNAPSHOT_WINDOW_KEY] ?? '(none)')
}

describe('snapshot cycle against the simulator', () => {
  test('a second run in the same window creates nothing', () =>
    withSim(async (h) => {
      const { admin } = projectIds(h.sim)
      const vol = addVolume(h.sim, admin, 'again')
      const client = await connectAs(h, 'admin')
      const deps = cycleDeps(h, client)

      const first = await runSnapshotCycle(deps, CREATE)
      assert.equal(resultsOf(first, 'create').length, 1)
      assert.equal(resultsOf(first, 'create')[0]?.status, 'succeeded')
      h.clock.advance(3 * 3600_000) // later, same UTC day
      const second = await runSnapshotCycle(deps, CREATE)

      assert.equal(resultsOf(second, 'create').length, 0, 'second run planned a create')
      const skip = second.plan.items.find((i) => i.action === 'skip' && i.volumeId === vol.id)
      assert.match(skip?.reasons.join(' ') ?? '', new RegExp(`already covers window ${TODAY_WINDOW.replace(/[[\]+]/g, '\\$&')}`))
      assert.equal(callsOf(h.sim, ROUTES.createSnapshot), 1)
      assert.deepEqual(windowsOf(liveSnapshotsOf(h.sim, vol.id)), [TODAY_WINDOW])
    }))

  test('a create whose response is lost still leaves exactly one snapshot for the window', () =>
    withSim(async (h) => {
      const { admin } = projectIds(h.sim)
      const vol = addVolume(h.sim, admin, 'lost')
      h.sim.faults.loseResponse(ROUTES.createSnapshot, 1)
      const client = await connectAs(h, 'admin')

      const report = await runSnapshotCycle(cycleDeps(h, client), CREATE)

      const [created] = resultsOf(report, 'create')
      assert.equal(created?.status, 'succeeded', JSON.stringify(created))
      assert.ok(created?.steps.some((s) => s.includes('found after a create whose answer was lost')), created?.steps.join('\n'))
      assert.equal(callsOf(h.sim, ROUTES.createSnapshot), 1, 'the create was sent again although the first one happened')
      const live = liveSnapshotsOf(h.sim, vol.id)
      assert.deepEqual(windowsOf(live), [TODAY_WINDOW])
      assert.equal(created?.snapshotId, live[0]?.id)
    }))

  test('two overlapping runs leave exactly one snapshot per volume and window', { timeout: 20_000 }, async () => {
    // Both runs plan and look before either create is handled: the simulator holds every create
    // until all four (2 volumes × 2 runs) have arrived, so both runs really create.
    const gate = barrier(4)
    await withSim(
      async (h) => {
        const { admin } = projectIds(h.sim)
        const vols = [addVolume(h.sim, admin, 'overlap-a'), addVolume(h.sim, admin, 'overlap-b')]
        h.sim.faults.latency(1, { route: ROUTES.createSnapshot })
        const [a, b] = [await connectAs(h, 'admin'), await connectAs(h, 'admin')]

        const [ra, rb] = await Promise.all([runSnapshotCycle(cycleDeps(h, a!), CREATE), runSnapshotCycle(cycleDeps(h, b!), CREATE)])

        assert.equal(gate.arrived, 4, 'each run sent one create per volume')
        for (const r of [ra, rb]) {
          assert.deepEqual(resultsOf(r, 'create').map((x) => x.status), ['succeeded', 'succeeded'], JSON.stringify(r.result?.items))
        }
        for (const v of vols) {
          const live = liveSnapshotsOf(h.sim, v.id)
          assert.deepEqual(windowsOf(live), [TODAY_WINDOW], `volume ${v.id}: ${JSON.stringify(live)}`)
          // Both runs agree on which snapshot holds the window.
          const kept = [ra, rb].map((r) => resultsOf(r, 'create').find((x) => x.item.volumeId === v.id)?.snapshotId)
          assert.deepEqual(kept, [live[0]?.id, live[0]?.id])
        }
      },
      { sleep: () => gate.arrive() },
    )
  })

  test('volumes of one server are in one group and their creates are all sent before any wait', () =>
    withSim(async (h) => {
      const { admin } = projectIds(h.sim)
      const server = h.sim.state.addServer({ projectId: admin, name: 'swtest-I-server' })
      const vols = ['g1', 'g2', 'g3'].map((n) => addVolume(h.sim, admin, n))
      for (const v of vols) h.sim.state.attach(server.id, v.id)
      const client = await connectAs(h, 'admin')

      const report = await runSnapshotCycle(cycleDeps(h, client), CREATE)

      const creates = report.plan.items.filter((i) => i.action === 'create')
      assert.deepEqual(creates.map((i) => (i.action === 'create' ? i.group : '')), [server.id, server.id, server.id])
      assert.deepEqual(report.result?.groups.map((g) => ({ group: g.group, size: g.size, spreadMs: g.spreadMs })), [{ group: server.id, size: 3, spreadMs: 0 }])
      // One listing of the window confirms all three creates, after the group's last create; no per-volume look.
      const reqs = client.requests
      const lastPost = reqs.findLastIndex((r) => r.method === 'POST' && new URL(r.url).pathname.endsWith('/snapshots'))
      const rounds = windowListings(reqs)
      assert.equal(rounds.length, 1, rounds.map((r) => r.url).join('\n'))
      assert.ok(reqs.indexOf(rounds[0]!) > lastPost, `the window was listed (request ${reqs.indexOf(rounds[0]!)}) before the group's last create (request ${lastPost})`)
      assert.equal(reqs.filter((r) => r.method === 'GET' && new URL(r.url).searchParams.has('volume_id')).length, 0)
      assert.deepEqual(report.result?.items.map((r) => r.status), ['succeeded', 'succeeded', 'succeeded'])
      assert.equal(callsOf(h.sim, ROUTES.createSnapshot), 3)
    }))

  test('volumes and snapshots are listed once per listing, and the creates confirmed by one listing round, whether there are 3 volumes or 30', async () => {
    const listCounts = async (n: number) =>
      withSim(async (h) => {
        const { admin } = projectIds(h.sim)
        liftQuota(h.sim, admin)
        for (let i = 0; i < n; i++) addVolume(h.sim, admin, `scale-${i}`)
        const client = await connectAs(h, 'admin')
        const report = await runSnapshotCycle(cycleDeps(h, client), { mode: 'all', allProjects: false, dryRun: false })
        assert.equal(report.result?.counts.succeeded, n, JSON.stringify(report.result?.counts))
        return {
          volumes: listingRequests(client.requests, 'volumes').length,
          snapshots: listingRequests(client.requests, 'snapshots').length,
          // The creates are confirmed by one listing round, not a look per volume.
          windowListings: windowListings(client.requests).length,
          perVolumeLooks: client.requests.filter((r) => r.method === 'GET' && new URL(r.url).searchParams.has('volume_id')).length,
          simVolumeListings: callsOf(h.sim, ROUTES.listVolumes),
          creates: callsOf(h.sim, ROUTES.createSnapshot),
        }
      })
    const small = await listCounts(3)
    const large = await listCounts(30)
    assert.deepEqual({ ...small, creates: 0 }, { volumes: 1, snapshots: 1, windowListings: 1, perVolumeLooks: 0, simVolumeListings: 1, creates: 0 })
    // 30 creates go out 4 at a time (concurrency_per_project): on the manual clock a poll interval
    // passes in one turn of the event loop, so rounds also happen between those batches, never more
    // than one per batch plus the one after the last create (not one per volume).
    assert.ok(large.windowListings >= 1 && large.windowListings <= Math.ceil(30 / 4) + 1, `window listings for 30 creates: ${large.windowListings}`)
    assert.deepEqual({ ...large, creates: 0, windowListings: 0 }, { ...small, creates: 0, windowListings: 0 })
    assert.deepEqual([small.creates, large.creates], [3, 30])
  })

  test('a listing follows pages: 31 volumes with a page size of 10 take 4 requests, not one per volume', () =>
    withSim(
      async (h) => {
        const { admin } = projectIds(h.sim)
        liftQuota(h.sim, admin)
        for (let i = 0; i < 30; i++) addVolume(h.sim, admin, `paged-${i}`, {})
        const client = await connectAs(h, 'admin')
        const report = await runSnapshotCycle(cycleDeps(h, client), { ...CREATE, planOnly: true })
        assert.equal(report.volumes, 31) // 30 + the seed's admin-tools
        assert.equal(callsOf(h.sim, ROUTES.listVolumes), 4)
        assert.equal(callsOf(h.sim, ROUTES.listSnapshots), 1)
      },
      { pageSize: 10 },
    ))

  test('an admin credential with all projects lists once with all_tenants and plans for every project', () =>
    withSim(async (h) => {
      const { admin, demo } = projectIds(h.sim)
      const mine = addVolume(h.sim, admin, 'all-admin')
      const theirs = addVolume(h.sim, demo, 'all-demo')
      const client = await connectAs(h, 'admin')

      const report = await runSnapshotCycle(cycleDeps(h, client), { ...CREATE, allProjects: true, planOnly: true })

      const listings = [...listingRequests(client.requests, 'volumes'), ...listingRequests(client.requests, 'snapshots')]
      assert.equal(listings.length, 2)
      for (const r of listings) assert.equal(new URL(r.url).searchParams.get('all_tenants'), '1', r.url)
      const created = report.plan.items.filter((i) => i.action === 'create').map((i) => `${i.projectId}/${i.volumeId}`)
      assert.deepEqual(created.sort(), [`${admin}/${mine.id}`, `${demo}/${theirs.id}`].sort())
    }))

  test('a managed snapshot stuck in error longer than stuck_after is healed (deleted)', () =>
    withSim(async (h) => {
      const { admin } = projectIds(h.sim)
      const vol = addVolume(h.sim, admin, 'heal')
      const stuck = addStuckSnapshot(h.sim, vol, 'error', h.clock.now() - 3 * 3600_000)
      const young = addStuckSnapshot(h.sim, vol, 'error', h.clock.now() - 10 * 60_000)
      const client = await connectAs(h, 'admin')

      const report = await runSnapshotCycle(cycleDeps(h, client, testConfig({ stuck_after: '2h' })), EXPIRE)

      const heals = resultsOf(report, 'delete').filter((r) => r.item.action === 'delete' && r.item.purpose === 'heal')
      assert.deepEqual(heals.map((r) => [r.snapshotId, r.status]), [[stuck.id, 'succeeded']])
      assert.match(heals[0]?.item.reasons.join(' ') ?? '', /stuck in error for 180 min \(limit 120 min\)/)
      assert.deepEqual(liveSnapshotsOf(h.sim, vol.id).map((s) => s.id), [young.id])
    }))

  test('a snapshot stuck in error_deleting is force-deleted with an admin credential', () =>
    withSim(async (h) => {
      const { admin } = projectIds(h.sim)
      const vol = addVolume(h.sim, admin, 'force')
      const stuck = addStuckSnapshot(h.sim, vol, 'error_deleting', h.clock.now() - 5 * 3600_000)
      const client = await connectAs(h, 'admin')

      const report = await runSnapshotCycle(cycleDeps(h, client), EXPIRE)

      const [heal] = resultsOf(report, 'delete')
      assert.equal(heal?.status, 'succeeded', heal?.steps.join('\n'))
      assert.ok(heal?.steps.some((s) => s.startsWith('force-delete requested')), heal?.steps.join('\n'))
      assert.equal(callsOf(h.sim, ROUTES.snapshotAction), 1)
      assert.equal(h.sim.state.snapshots.get(stuck.id), undefined)
    }))

  test('a member credential cannot force-delete a stuck error_deleting snapshot: the item fails with a clear message', () =>
    withSim(async (h) => {
      const { demo } = projectIds(h.sim)
      const vol = addVolume(h.sim, demo, 'member-stuck')
      const stuck = addStuckSnapshot(h.sim, vol, 'error_deleting', h.clock.now() - 5 * 3600_000)
      const client = await connectAs(h, 'demo')

      const report = await runSnapshotCycle(cycleDeps(h, client), EXPIRE)

      const [heal] = resultsOf(report, 'delete')
      assert.equal(heal?.status, 'failed')
      assert.equal(heal?.error?.code, 'OS_FORBIDDEN')
      assert.match(heal?.error?.message ?? '', new RegExp(`snapshot ${stuck.id} is stuck \\(error_deleting\\).*may not force-delete.*403`))
      assert.equal(failuresOf(report), 1)
      assert.equal(h.sim.state.snapshots.get(stuck.id)?.status, 'error_deleting')
    }))

  test('a wrong metadata value is reported with volume, key, value and what is accepted, and the other policy still runs', () =>
    withSim(async (h) => {
      const { admin } = projectIds(h.sim)
      const vol = addVolume(h.sim, admin, 'bad-meta', {
        ...DAILY,
        'x-snapsentry-weekly-enabled': 'true',
        'x-snapsentry-weekly-start-day-of-week': 'funday',
      })
      const client = await connectAs(h, 'admin')

      const report = await runSnapshotCycle(cycleDeps(h, client), CREATE)

      assert.equal(report.problems.length, 1)
      const p = report.problems[0]!
      assert.deepEqual([p.volumeId, p.key, p.value], [vol.id, 'x-snapsentry-weekly-start-day-of-week', 'funday'])
      assert.match(p.accepted, /weekday name/)
      for (const part of [vol.id, p.key, '"funday"', p.accepted]) assert.ok(p.message.includes(part), `message lacks ${part}: ${p.message}`)
      assert.deepEqual(resultsOf(report, 'create').map((r) => [r.item.policy, r.status]), [['daily', 'succeeded']])
      assert.equal(failuresOf(report), 1, 'the problem makes the run partial (exit code 3)')
      assert.deepEqual(windowsOf(liveSnapshotsOf(h.sim, vol.id)), [TODAY_WINDOW])
    }))

  test('a misspelt key holds expiry of its policy (creates go on) and is reported with the closest known key; removing it resumes expiry', () =>
    withSim(async (h) => {
      const { admin } = projectIds(h.sim)
      const vol = addVolume(h.sim, admin, 'typo', {
        ...DAILY,
        'x-snapwarden-daily-retention': '1',
        'x-snapwarden-weekly-enabled': 'true',
        'x-snapwarden-weekly-keep-count': '1',
        'backup-owner': 'team-a', // not under our prefixes: ignored as always
      })
      const snap = (policy: string, window: string, daysAgo: number) =>
        h.sim.state.addSnapshot({
          volumeId: vol.id,
          createdAt: h.clock.now() - daysAgo * 86400_000,
          metadata: { 'x-snapwarden-managed': 'true', 'x-snapwarden-policy': policy, [SNAPSHOT_WINDOW_KEY]: window },
        }).id
      // Daily: SnapSentry's default retention (2 days) would expire the two older ones. Weekly: keep-count 1 expires the older one.
      const daily = [snap('daily', 'daily/2026-03-05T00:00+00:00[UTC]', 5), snap('daily', 'daily/2026-03-06T00:00+00:00[UTC]', 4), snap('daily', 'daily/2026-03-07T00:00+00:00[UTC]', 3)]
      const [weeklyOld, weeklyNew] = [snap('weekly', 'weekly/2026-02-22T00:00+00:00[UTC]', 16), snap('weekly', 'weekly/2026-03-01T00:00+00:00[UTC]', 9)]
      const client = await connectAs(h, 'admin')
      const deps = cycleDeps(h, client)
      const ALL: CycleOptions = { mode: 'all', allProjects: false, dryRun: false }

      const report = await runSnapshotCycle(deps, ALL)

      assert.deepEqual(report.problems.map((p) => [p.volumeId, p.policy, p.key, p.value]), [[vol.id, 'daily', 'x-snapwarden-daily-retention', '1']])
      const message = report.problems[0]!.message
      for (const part of [vol.id, 'x-snapwarden-daily-retention="1"', 'did you mean x-snapwarden-daily-retention-days?', 'accepted: x-snapwarden-daily-{']) {
        assert.ok(message.includes(part), `message lacks ${part}: ${message}`)
      }
      assert.ok(failuresOf(report) >= 1, 'the problem makes the run partial (exit code 3) and fires the webhook')
      assert.deepEqual(resultsOf(report, 'create').map((r) => [r.item.policy, r.status]), [['daily', 'succeeded'], ['weekly', 'succeeded']], 'creates go on')
      assert.deepEqual(resultsOf(report, 'delete').map((r) => [r.item.policy, 'snapshotId' in r.item ? r.item.snapshotId : '']), [['weekly', weeklyOld]], 'only the other policy expires')
      const live = () => liveSnapshotsOf(h.sim, vol.id).map((x) => x.id)
      for (const id of [...daily, weeklyNew]) assert.ok(live().includes(id), `snapshot ${id} was deleted while the misspelt key was there`)

      h.clock.advance(3600_000)
      const again = await runSnapshotCycle(deps, EXPIRE)
      assert.deepEqual(resultsOf(again, 'delete').filter((r) => r.item.policy === 'daily'), [], 'a later run deleted a held snapshot')
      assert.equal(again.problems.length, 1, 'the problem is reported by every run')
      for (const id of daily) assert.ok(live().includes(id), `daily snapshot ${id} was deleted by a later run`)

      delete vol.metadata['x-snapwarden-daily-retention']
      h.clock.advance(3600_000)
      const fixed = await runSnapshotCycle(deps, EXPIRE)
      assert.deepEqual(fixed.problems, [])
      assert.deepEqual(resultsOf(fixed, 'delete').map((r) => [r.item.policy, r.status]), daily.map(() => ['daily', 'succeeded']), 'expiry resumed (daily only: weekly has nothing more to expire)')
      assert.deepEqual(live().filter((id) => daily.includes(id)), [])
    }))

  test('5xx and 429 answers on creates and deletes are retried and the run succeeds', () =>
    withSim(async (h) => {
      const { admin } = projectIds(h.sim)
      const vol = addVolume(h.sim, admin, 'flaky', { ...DAILY, 'x-snapsentry-daily-retention-days': '1' })
      // Two expired snapshots: the newer is kept as the last available one, the older is deleted.
      const [old, newer] = [5, 4].map((days) =>
        h.sim.state.addSnapshot({
          volumeId: vol.id,
          createdAt: h.clock.now() - days * 86400_000,
          metadata: { 'x-snapwarden-managed': 'true', 'x-snapwarden-policy': 'daily', [SNAPSHOT_WINDOW_KEY]: `daily/2026-03-0${10 - days}T00:00+00:00[UTC]` },
        }),
      )
      h.sim.faults.errorRate(1, { status: 503, route: ROUTES.createSnapshot, times: 2 })
      h.sim.faults.rateLimit(1, { route: ROUTES.deleteSnapshot, times: 1 })
      const client = await connectAs(h, 'admin')

      const report = await runSnapshotCycle(cycleDeps(h, client), { mode: 'all', allProjects: false, dryRun: false })

      assert.deepEqual(report.result?.counts, { total: 3, succeeded: 2, failed: 0, skipped: 1 }, JSON.stringify(report.result?.items, null, 1))
      assert.equal(callsOf(h.sim, ROUTES.createSnapshot), 3)
      assert.equal(callsOf(h.sim, ROUTES.deleteSnapshot), 2)
      assert.equal(h.sim.state.snapshots.get(old!.id), undefined)
      assert.deepEqual(windowsOf(liveSnapshotsOf(h.sim, vol.id)), [newer!.metadata[SNAPSHOT_WINDOW_KEY], TODAY_WINDOW])
    }))

  test('5xx and 429 answers on the listings are retried and the run succeeds', () =>
    withSim(async (h) => {
      const { admin } = projectIds(h.sim)
      const vol = addVolume(h.sim, admin, 'flaky-list')
      h.sim.faults.errorRate(1, { status: 503, route: ROUTES.listVolumes, times: 1 })
      h.sim.faults.rateLimit(1, { route: ROUTES.listSnapshots, times: 1 })
      const client = await connectAs(h, 'admin')

      const report = await runSnapshotCycle(cycleDeps(h, client), CREATE)

      assert.deepEqual(resultsOf(report, 'create').map((r) => r.status), ['succeeded'])
      assert.deepEqual(windowsOf(liveSnapshotsOf(h.sim, vol.id)), [TODAY_WINDOW])
    }))
})

/** Lets the event loop run until `done()` holds (bounded); no timers. */
async function until(done: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 5000 && !done(); i++) await new Promise((r) => setImmediate(r))
  assert.ok(done(), `${what} did not happen`)
}

/** Every snapshot of the volume the simulator holds, in any status. */
const allSnapshotsOf = (sim: Simulator, volumeId: string) => sim.state.snapshots.list().filter((s) => s.volumeId === volumeId)

/** The snapshot ids a result's steps say this run created (`create requested: <id>`). */
const createdBy = (r: { steps: readonly string[] } | undefined): string[] =>
  (r?.steps ?? []).flatMap((s) => /^create requested: (\S+)/.exec(s)?.slice(1) ?? [])

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
/** A latency (ms) that marks the snapshot listing route for the simulator's `sleep` hook. */
const MARK_MS = 7

describe('at most one snapshot per window, also when runs overlap', () => {
  test('two runs started together, one finishing before the other run\'s create lands: one snapshot per window (10 seeded repetitions)', async () => {
    // Both creates land in the same second; which one holds the window falls to the ids, so over the
    // seeds the late create holds it in some repetitions and the early one in others.
    const late = { held: 0, lost: 0 }
    for (const seed of SEEDS) {
      await withSim(
        async (h) => {
          const { admin } = projectIds(h.sim)
          const vol = addVolume(h.sim, admin, `overlap-late-${seed}`)
          let release!: () => void
          // The first create to arrive is held until the other run has finished.
          h.sim.faults.hold(ROUTES.createSnapshot, new Promise<void>((r) => (release = r)), { times: 1 })
          const [a, b] = [await connectAs(h, 'admin'), await connectAs(h, 'admin')]
          const finished: number[] = []
          const runs = [a, b].map((c, i) => runSnapshotCycle(cycleDeps(h, c), CREATE).then((r) => (finished.push(i), r)))
          await Promise.race(runs)
          release()
          const reports = await Promise.all(runs)

          assert.equal(callsOf(h.sim, ROUTES.createSnapshot), 2, `seed ${seed}: both runs created`)
          for (const r of reports) assert.deepEqual(resultsOf(r, 'create').map((x) => x.status), ['succeeded'], `seed ${seed}: ${JSON.stringify(r.result?.items)}`)
          const live = liveSnapshotsOf(h.sim, vol.id)
          assert.deepEqual(windowsOf(live), [TODAY_WINDOW], `seed ${seed}: ${JSON.stringify(live)}`)
          const lateResult = resultsOf(reports[finished[1]!]!, 'create')[0]
          if (createdBy(lateResult).includes(live[0]!.id)) late.held++
          else late.lost++
        },
        { seed },
      )
    }
    assert.ok(late.held > 0 && late.lost > 0, `both orders occur over the seeds: ${JSON.stringify(late)}`)
  })

  for (const when of ['while the run confirms its retry', 'after the run confirmed its retry'] as const) {
    test(`a create whose answer was lost lands ${when}: one snapshot for the window at the end of the run (10 seeded repetitions)`, async () => {
      // GETs of the snapshot listing route, in order: 1 the cycle's listing, 2 the look-up after the
      // lost answer (finds nothing: the first create has not landed), 3 the confirmation of the
      // retry's create, 4 the look at the window at the end of the run.
      const landAtGet = when === 'while the run confirms its retry' ? 3 : 4
      for (const seed of SEEDS) {
        let release!: () => void
        const landed = new Promise<void>((r) => (release = r))
        let gets = 0
        let sim: Simulator | undefined
        let volumeId = ''
        const landedCount = (): number => (sim ? allSnapshotsOf(sim, volumeId).length : 0)
        await withSim(
          async (h) => {
            sim = h.sim
            const { admin } = projectIds(h.sim)
            volumeId = addVolume(h.sim, admin, `late-${seed}`).id
            h.sim.faults.loseResponse(ROUTES.createSnapshot, 1, { landAfter: landed })
            h.sim.faults.latency(MARK_MS, { route: ROUTES.listSnapshots })
            const client = await connectAs(h, 'admin')

            const report = await runSnapshotCycle(cycleDeps(h, client), CREATE)

            const [created] = resultsOf(report, 'create')
            const steps = created?.steps.join('\n')
            assert.equal(created?.status, 'succeeded', `seed ${seed}: ${steps}`)
            assert.equal(gets >= landAtGet, true, `seed ${seed}: the lost create landed (${gets} GETs)`)
            assert.equal(callsOf(h.sim, ROUTES.createSnapshot), 2, `seed ${seed}: the look-up found nothing, so the run created again`)
            const live = liveSnapshotsOf(h.sim, volumeId)
            assert.deepEqual(windowsOf(live), [TODAY_WINDOW], `seed ${seed}: ${JSON.stringify(live)}\n${steps}`)
          },
          {
            seed,
            // The simulator's latency wait: at the marked GET, the lost create lands before the GET is handled.
            sleep: async (ms) => {
              if (ms !== MARK_MS || ++gets !== landAtGet) return
              release()
              await until(() => landedCount() >= 2, `seed ${seed}: the lost create landing`)
            },
          },
        )
      }
    })
  }

  test('a create whose answer was lost lands after the run ended: the next run deletes the duplicate (10 seeded repetitions)', async () => {
    for (const seed of SEEDS) {
      await withSim(
        async (h) => {
          const { admin } = projectIds(h.sim)
          const vol = addVolume(h.sim, admin, `after-${seed}`)
          let release!: () => void
          h.sim.faults.loseResponse(ROUTES.createSnapshot, 1, { landAfter: new Promise<void>((r) => (release = r)) })
          const client = await connectAs(h, 'admin')
          const deps = cycleDeps(h, client)

          const first = await runSnapshotCycle(deps, CREATE)
          assert.deepEqual(resultsOf(first, 'create').map((r) => r.status), ['succeeded'])
          release()
          await until(() => allSnapshotsOf(h.sim, vol.id).length === 2, `seed ${seed}: the lost create landing`)
          h.clock.advance(10 * 60_000) // the next daemon tick, same window
          const second = await runSnapshotCycle(deps, CREATE)

          const dup = second.plan.items.filter((i) => i.action === 'delete' && i.purpose === 'duplicate')
          assert.equal(dup.length, 1, `seed ${seed}: ${JSON.stringify(second.plan.items)}`)
          assert.match(dup[0]!.reasons.join(' '), /duplicate in window daily\/2026-03-10/)
          assert.deepEqual(resultsOf(second, 'delete').map((r) => r.status), ['succeeded'])
          assert.equal(failuresOf(second), 0)
          assert.deepEqual(windowsOf(liveSnapshotsOf(h.sim, vol.id)), [TODAY_WINDOW], `seed ${seed}`)
        },
        { seed },
      )
    }
  })
})

describe('the survivor of a window is the good snapshot', () => {
  test('after a failed create (error), the next run creates one that holds the window, and the error one is deleted', () =>
    withSim(async (h) => {
      const { admin } = projectIds(h.sim)
      const vol = addVolume(h.sim, admin, 'failed-once')
      h.sim.faults.failTransitions('snapshot', { times: 1 })
      const client = await connectAs(h, 'admin')
      const deps = cycleDeps(h, client)

      const first = await runSnapshotCycle(deps, CREATE)
      assert.deepEqual(resultsOf(first, 'create').map((r) => r.status), ['failed'])
      const [failed] = liveSnapshotsOf(h.sim, vol.id)
      assert.equal(failed?.status, 'error')
      h.clock.advance(30 * 60_000) // the next tick: same window, not yet stuck long enough to heal
      const second = await runSnapshotCycle(deps, CREATE)

      const [created] = resultsOf(second, 'create')
      assert.equal(created?.status, 'succeeded', created?.steps.join('\n'))
      assert.equal(failuresOf(second), 0, 'the window is covered: nothing to report')
      const live = liveSnapshotsOf(h.sim, vol.id)
      assert.deepEqual(live.map((s) => s.status), ['available'], JSON.stringify(live))
      assert.notEqual(live[0]?.id, failed?.id)
      assert.equal(created?.snapshotId, live[0]?.id)
      assert.ok(created?.steps.some((s) => s.startsWith(`deleted another run's duplicate ${failed?.id} (error)`)), created?.steps.join('\n'))

      h.clock.advance(30 * 60_000)
      const third = await runSnapshotCycle(deps, CREATE)
      assert.equal(resultsOf(third, 'create').length, 0, 'the window stays covered')
    }))
})
