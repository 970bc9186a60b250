/**
 * Against the simulator (as tests/realcloud/project-scope.test.ts against the devcloud): an admin
 * cycle over every project creates a volume's snapshot with a token scoped to the volume's project.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { simulatorCloudConfig } from '../../src/cli/demo-simulator.ts'
import { runSnapshotCycle } from '../../src/cycles/snapshot-cycle.ts'
import { OpenStackCloud, projectScopedConnector } from '../../src/cloud/openstack-cloud.ts'
import { silentLogger } from '../../src/domain/logger.ts'
import { noopMetrics } from '../../src/domain/metrics.ts'
import { connect } from '../../src/openstack/connection.ts'
import { manualTime, startSimHarness, testConfig, type SimHarness } from '../support/sim-cloud.ts'
import { addVolume, DAILY, projectIds } from '../support/sim-scenario.ts'

async function adminCycle(h: SimHarness, fallbacks: string[]) {
  const config = simulatorCloudConfig(h.sim, 'admin')
  // The simulator's tokens expire on its clock: the client reads the same clock (as the daemon's does).
  const conn = await connect(config, { clock: manualTime(h.clock).clock })
  h.conns.push(conn)
  const cloud = new OpenStackCloud(
    conn,
    projectScopedConnector(conn),
    (projectId) => fallbacks.push(projectId),
  )
  const time = manualTime(h.clock)
  return runSnapshotCycle(
    { cloud, ...time, random: () => 0.5, logger: silentLogger, metrics: noopMetrics, config: testConfig() },
    { mode: 'create', allProjects: true, dryRun: false },
  )
}

test("with a role in the volume's project, the admin's snapshot is created in that project", async () => {
  const h = await startSimHarness()
  try {
    const { demo } = projectIds(h.sim)
    const vol = addVolume(h.sim, demo, 'scoped', DAILY)
    const admin = [...h.sim.state.identity.users.values()].find((u) => u.name === 'admin')!
    h.sim.state.identity.grant(admin.id, demo, 'member')
    const fallbacks: string[] = []
    const report = await adminCycle(h, fallbacks)
    assert.equal(report.result?.counts.failed, 0)
    const snaps = [...h.sim.state.snapshots.list()].filter((s) => s.volumeId === vol.id)
    assert.equal(snaps.length, 1)
    assert.equal(snaps[0]!.projectId, demo)
    assert.deepEqual(fallbacks, [])
  } finally {
    await h.close()
  }
})

test("without a role there, it is created in the admin's project and the fallback is reported", async () => {
  const h = await startSimHarness()
  try {
    const { demo, admin: adminProject } = projectIds(h.sim)
    const vol = addVolume(h.sim, demo, 'unscoped', DAILY)
    const fallbacks: string[] = []
    const report = await adminCycle(h, fallbacks)
    assert.equal(report.result?.counts.failed, 0)
    const snaps = [...h.sim.state.snapshots.list()].filter((s) => s.volumeId === vol.id)
    assert.equal(snaps.length, 1)
    assert.equal(snaps[0]!.projectId, adminProject)
    assert.deepEqual(fallbacks, [demo])
  } finally {
    await h.close()
  }
})

test('per-project tokens cost one token request each: no extra version discovery, and the snapshot cycle never calls Nova', async () => {
  const h = await startSimHarness()
  try {
    const { demo } = projectIds(h.sim)
    const admin = [...h.sim.state.identity.users.values()].find((u) => u.name === 'admin')!
    h.sim.state.identity.grant(admin.id, demo, 'member')
    addVolume(h.sim, demo, 'scoped-a', DAILY)
    addVolume(h.sim, demo, 'scoped-b', DAILY)
    const before = { ...h.sim.calls() }
    const report = await adminCycle(h, [])
    assert.equal(report.result?.counts.failed, 0)
    const calls = Object.entries(h.sim.calls()).map(([route, n]) => [route, n - (before[route] ?? 0)] as const).filter(([, n]) => n > 0)
    const count = (match: (route: string) => boolean): number => calls.filter(([r]) => match(r)).reduce((n, [, k]) => n + k, 0)
    // The admin's token and one for the demo project; Cinder discovered once (by the admin's connect).
    assert.equal(count((r) => r === 'POST /identity/v3/auth/tokens'), 2, JSON.stringify(calls))
    assert.equal(count((r) => r === 'GET /volume' || r === 'GET /volume/'), 1, JSON.stringify(calls))
    assert.equal(count((r) => r.includes('/compute')), 0, JSON.stringify(calls))
  } finally {
    await h.close()
  }
})
