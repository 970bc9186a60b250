/**
 * Fault campaign (issue 7, "Campaigns in the suite"): 50 snapshot cycles (create, then expire) of
 * an admin over two projects (`--all-projects`) against the in-process simulator, with our real
 * client, while the simulator answers about 20 % of calls with a 5xx, resets 5 % of connections,
 * answers 3 % with 429 + Retry-After, holds some calls beyond the client's request timeout (the call
 * is then done right after the client gave up, as a slow Cinder does; a few snapshot creates only
 * land when the next cycle starts), loses the answers to 5 % of creates and deletes, and expires
 * every token now and then (also mid-cycle). Every cycle connects anew (as `run` from cron does),
 * so authentication, version discovery and the project-scoped connections meet the faults too.
 *
 * Checks, after every cycle:
 * - never two healthy snapshots (available/creating) of one volume in one window;
 * - every volume that is due is protected (an available snapshot taken in the current window) at
 *   the end of the window's first or second cycle;
 * - a due volume left unprotected by a cycle has a failure in that cycle's report naming it, and
 *   every failed item carries its volume id and an error code and message (a cycle that fails as a
 *   whole throws an error with a code).
 *
 * Time is the simulator's ManualClock (sleeps advance it); the only real waits are the client's own
 * request timeouts (at most 12, bounded by `times`), because that timer is what a timeout fault tests.
 * Figures are printed with t.diagnostic.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { runSnapshotCycle, type CycleReport } from '../../src/cycles/snapshot-cycle.ts'
import { OpenStackCloud } from '../../src/cloud/openstack-cloud.ts'
import { silentLogger } from '../../src/domain/logger.ts'
import { noopMetrics } from '../../src/domain/metrics.ts'
import { connect } from '../../src/openstack/connection.ts'
import { parseCloud } from '../../src/openstack/config/parse-cloud.ts'
import type { RequestEvent } from '../../src/openstack/core/request.ts'
import type { FaultAction } from '../../src/simulator/sim-faults.ts'
import { manualTime, ROUTES, SIM_START, SNAPSHOT_WINDOW_KEY, startSimHarness, testConfig } from '../support/sim-cloud.ts'
import { addVolume, liftQuota, projectIds } from '../support/sim-scenario.ts'

const CYCLES = 50
const CYCLE_EVERY_MS = 6 * 3600_000
const VOLUMES_PER_PROJECT = 8
/** Client request timeout (clouds.yaml `api_timeout`), real milliseconds. */
const REQUEST_TIMEOUT_S = 1
/** A latency this long marks a call the simulator holds until the client has timed out. */
const HOLD_MS = 24 * 3600_000
/** A latency this long marks a snapshot create the simulator holds until the next cycle starts: it lands long after the client gave up. */
const HOLD_LATE_MS = 48 * 3600_000
const HEALTHY = ['available', 'creating']

const DAILY_POLICY = { 'x-snapsentry-daily-enabled': 'true', 'x-snapsentry-daily-retention-days': '3' }
const EXPRESS_POLICY = { 'x-snapwarden-express-enabled': 'true', 'x-snapwarden-express-interval-hours': '12', 'x-snapwarden-express-keep-count': '4' }

/** Start of the current window (policies run in UTC from 00:00). */
function windowStart(kind: 'daily' | 'express', nowMs: number): number {
  const span = kind === 'daily' ? 24 * 3600_000 : 12 * 3600_000
  return Math.floor(nowMs / span) * span
}

/** mulberry32: the campaign's own seeded choices (mid-cycle token expiry). */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

test('fault campaign: 50 snapshot cycles under 5xx, resets, timeouts, 429 and token expiry', { timeout: 180_000 }, async (t) => {
  // Calls held by a timeout fault, released (and then done) once the client reported its timeout.
  const held: (() => void)[] = []
  const heldLate: (() => void)[] = []
  const h = await startSimHarness({
    seed: 2026,
    sleep: (ms) => {
      if (ms >= HOLD_LATE_MS) return new Promise<void>((resolve) => heldLate.push(resolve))
      if (ms >= HOLD_MS) return new Promise<void>((resolve) => held.push(resolve))
      h.clock.advance(ms)
      return Promise.resolve()
    },
  })
  try {
    const { admin: adminProject, demo: demoProject } = projectIds(h.sim)
    const adminUser = [...h.sim.state.identity.users.values()].find((u) => u.name === 'admin')!
    h.sim.state.identity.grant(adminUser.id, demoProject, 'member')
    const volumes: { id: string; kind: 'daily' | 'express' }[] = []
    for (const project of [adminProject, demoProject]) {
      liftQuota(h.sim, project)
      for (let i = 0; i < VOLUMES_PER_PROJECT; i++) {
        const kind = i % 2 === 0 ? 'daily' : 'express'
        const v = addVolume(h.sim, project, `faults-${project.slice(0, 4)}-${i}`, kind === 'daily' ? DAILY_POLICY : EXPRESS_POLICY)
        volumes.push({ id: v.id, kind })
      }
      // Two volumes of one server: started as one group.
      const server = h.sim.state.addServer({ projectId: project, name: `swtest-I-faults-server-${project.slice(0, 4)}` })
      h.sim.state.attach(server.id, volumes.at(-1)!.id)
      h.sim.state.attach(server.id, volumes.at(-2)!.id)
    }

    const choose = prng(7)
    const events: RequestEvent[] = []
    let tokenExpiries = 0
    let lateTimedOut = 0
    let landedLate = 0
    let duplicatesBeforeCycle = 0
    /** Windows (volume, window key) with more than one healthy snapshot right now. */
    const duplicateWindows = (): string[] => {
      h.sim.state.settle()
      const count = new Map<string, number>()
      for (const s of h.sim.state.snapshots.list()) {
        if (!HEALTHY.includes(s.status)) continue
        const key = `${s.volumeId} ${s.metadata[SNAPSHOT_WINDOW_KEY] ?? '(no window)'}`
        count.set(key, (count.get(key) ?? 0) + 1)
      }
      return [...count].filter(([, n]) => n > 1).map(([k, n]) => `${k}: ${n}`)
    }
    const onRequest = (e: RequestEvent): void => {
      events.push(e)
      if (e.errorCode === 'OS_TIMEOUT') {
        // A create held for the next cycle stays held; any other held call is done now.
        const late = e.method === 'POST' && new URL(e.url).pathname.endsWith('/snapshots') && heldLate.length > lateTimedOut
        if (late) lateTimedOut++
        const release = late ? undefined : held.shift()
        if (release !== undefined) {
          h.clock.advance(REQUEST_TIMEOUT_S * 1000)
          release()
        }
      }
      if (faultsOn && choose() < 0.004) {
        h.sim.faults.expireTokensNow()
        tokenExpiries++
      }
    }
    let faultsOn = false
    const time = manualTime(h.clock)
    const config = parseCloud({ ...h.sim.cloudConfig('admin'), api_timeout: REQUEST_TIMEOUT_S }, { name: 'faults-admin', source: 'fault campaign', keyName: (k) => k })
    // Authentication and version discovery retry on the same manual time as every other call.
    const connectOpts = { onRequest, clock: time.clock, retry: { sleep: time.sleep, random: () => 0.5 } }
    // Every cycle connects anew, under the faults, as `snapwarden run` from cron does: authentication
    // and version discovery are calls like any other and must survive a 5xx or a reset.
    const openCloud = async (): Promise<OpenStackCloud> => {
      const conn = await connect(config, connectOpts)
      h.conns.push(conn)
      return new OpenStackCloud(conn, async (projectId) => {
        const scoped = await connect(config.withProjectScope(projectId), connectOpts)
        h.conns.push(scoped)
        return scoped
      })
    }

    // Count what the simulator's fault rules did, by kind.
    const fired: Record<FaultAction['kind'] | 'tokenExpiry', number> = { status: 0, reset: 0, latency: 0, rateLimit: 0, loseResponse: 0, tokenExpiry: 0 }
    const pick = h.sim.faults.pick.bind(h.sim.faults)
    h.sim.faults.pick = (method, template) => {
      const actions = pick(method, template)
      for (const a of actions) fired[a.kind]++
      return actions
    }
    h.sim.faults.errorRate(0.1, { status: 500 })
    h.sim.faults.errorRate(0.06, { status: 502 })
    h.sim.faults.errorRate(0.06, { status: 503 })
    h.sim.faults.resetRate(0.05)
    h.sim.faults.rateLimit(3, { rate: 0.03 })
    h.sim.faults.add({ action: { kind: 'latency', ms: HOLD_MS }, rate: 0.01, times: 8 })
    h.sim.faults.add({ route: ROUTES.createSnapshot, action: { kind: 'latency', ms: HOLD_LATE_MS }, rate: 0.03, times: 4 })
    h.sim.faults.add({ route: ROUTES.createSnapshot, action: { kind: 'loseResponse' }, rate: 0.05 })
    h.sim.faults.add({ route: ROUTES.deleteSnapshot, action: { kind: 'loseResponse' }, rate: 0.05 })
    h.sim.resetCalls()
    faultsOn = true

    const base = { ...time, random: () => 0.5, logger: silentLogger, metrics: noopMetrics, config: testConfig() }
    const problems: string[] = []
    let duplicates = 0
    let failuresReported = 0
    const failureLines: string[] = []
    let cyclesThrown = 0
    let maxCyclesToProtect = 0
    // Per volume: the window being waited for, and how many cycles of it have ended unprotected.
    const waiting = new Map<string, { start: number; cycles: number }>()

    for (let c = 0; c < CYCLES; c++) {
      // Sleeps during a cycle advance the clock (retries, polling); never move it back.
      h.clock.set(Math.max(h.clock.now(), SIM_START + c * CYCLE_EVERY_MS))
      const nowMs = h.clock.now()
      // Creates that outlived the client's timeout land now, before this cycle looks.
      for (const release of heldLate.splice(0)) {
        landedLate++
        release()
      }
      lateTimedOut = 0
      await new Promise<void>((r) => setImmediate(r))
      duplicatesBeforeCycle += duplicateWindows().length
      if (c % 7 === 3) {
        h.sim.faults.expireTokensNow()
        tokenExpiries++
      }
      let report: CycleReport | undefined
      let thrown: unknown
      try {
        report = await runSnapshotCycle({ ...base, cloud: await openCloud() }, { mode: 'all', allProjects: true, dryRun: false })
      } catch (err) {
        thrown = err
        cyclesThrown++
        const code = (err as { code?: unknown }).code
        if (typeof code !== 'string' || !(err instanceof Error) || err.message === '') problems.push(`cycle ${c} threw without a code and message: ${String(err)}`)
      } finally {
        for (const conn of h.conns.splice(0)) await conn.close()
      }
      const failed = (report?.result?.items ?? []).filter((r) => r.status === 'failed')
      failuresReported += failed.length + (thrown === undefined ? 0 : 1)
      for (const f of failed) {
        if (!f.item.volumeId || !f.error?.code || !f.error.message) problems.push(`cycle ${c}: a failure without volume or reason: ${JSON.stringify({ volumeId: f.item.volumeId, error: f.error })}`)
      }
      const failedVolumes = new Set(failed.map((f) => f.item.volumeId))
      for (const f of failed) failureLines.push(`cycle ${c}: ${f.item.action} ${f.item.volumeId}: ${f.error?.code} ${f.error?.message.slice(0, 160)}`)
      if (thrown !== undefined) failureLines.push(`cycle ${c}: the cycle failed: ${String((thrown as { code?: unknown }).code)} ${String(thrown).slice(0, 160)}`)

      h.sim.state.settle()
      for (const v of volumes) {
        const snaps = h.sim.state.snapshots.list().filter((s) => s.volumeId === v.id)
        const byWindow = new Map<string, number>()
        for (const s of snaps) {
          if (!HEALTHY.includes(s.status)) continue
          const w = s.metadata[SNAPSHOT_WINDOW_KEY] ?? '(no window)'
          byWindow.set(w, (byWindow.get(w) ?? 0) + 1)
        }
        for (const [w, n] of byWindow) {
          if (n > 1) {
            duplicates++
            problems.push(`cycle ${c}: volume ${v.id} has ${n} healthy snapshots in window ${w}`)
          }
        }
        const start = windowStart(v.kind, nowMs)
        const isProtected = snaps.some((s) => s.status === 'available' && s.createdAt >= start)
        let w = waiting.get(v.id)
        if (w === undefined || w.start !== start) {
          w = { start, cycles: 0 }
          waiting.set(v.id, w)
        }
        if (w.cycles < 0) continue // protected already in this window
        w.cycles++
        if (isProtected) {
          maxCyclesToProtect = Math.max(maxCyclesToProtect, w.cycles)
          w.cycles = -1
          continue
        }
        if (w.cycles === 2) {
          maxCyclesToProtect = Math.max(maxCyclesToProtect, 3)
          problems.push(`volume ${v.id} (${v.kind}): still unprotected after 2 cycles of the window from ${new Date(start).toISOString()}`)
        }
        if (thrown === undefined && !failedVolumes.has(v.id)) {
          problems.push(`cycle ${c}: volume ${v.id} (${v.kind}) is due and unprotected, and the report names no failure for it`)
        }
      }
    }
    faultsOn = false
    for (const release of [...held.splice(0), ...heldLate.splice(0)]) release()

    const calls = Object.values(h.sim.calls()).reduce((a, b) => a + b, 0)
    fired.tokenExpiry = tokenExpiries
    const clientSaw = {
      timeouts: events.filter((e) => e.errorCode === 'OS_TIMEOUT').length,
      timedOutCreatesLandingNextCycle: landedLate,
      network: events.filter((e) => e.errorCode === 'OS_NETWORK').length,
      '401': events.filter((e) => e.status === 401).length,
      '429': events.filter((e) => e.status === 429).length,
      '5xx': events.filter((e) => (e.status ?? 0) >= 500).length,
    }
    t.diagnostic(`cycles: ${CYCLES} (${cyclesThrown} threw), volumes: ${volumes.length}, simulator calls: ${calls}`)
    t.diagnostic(`faults fired: ${JSON.stringify(fired)}; client saw: ${JSON.stringify(clientSaw)}`)
    t.diagnostic(`failures reported: ${failuresReported}, duplicates after a cycle: ${duplicates} (before a cycle, from late creates: ${duplicatesBeforeCycle}), max cycles to protect: ${maxCyclesToProtect}`)
    for (const p of problems.slice(0, 20)) t.diagnostic(`problem: ${p}`)
    for (const f of failureLines.slice(0, 20)) t.diagnostic(`reported: ${f}`)

    // The campaign only means something if the faults really happened.
    assert.ok(fired.status > 0 && fired.reset > 0 && fired.rateLimit > 0 && fired.latency > 0 && fired.loseResponse > 0, JSON.stringify(fired))
    assert.ok(clientSaw.timeouts > 0, 'no request timed out')
    assert.deepEqual(problems, [], `${problems.length} problems`)
    assert.equal(duplicates, 0)
    assert.ok(maxCyclesToProtect <= 2, `max cycles to protect: ${maxCyclesToProtect}`)
  } finally {
    for (const release of [...held.splice(0), ...heldLate.splice(0)]) release()
    await h.close()
  }
})
