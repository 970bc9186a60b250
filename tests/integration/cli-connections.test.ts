// The CLI's cloud against a simulator this test starts: how many requests it keeps in flight to one
// endpoint. Requests are held by the simulator (a fault) until the test lets them go.
import assert from 'node:assert/strict'
import { setImmediate as turn } from 'node:timers/promises'
import { test } from 'node:test'
import { buildDeps } from '../../src/cli/deps.ts'
import { startSimulator } from '../../src/simulator/index.ts'
import { tempDir, writeCloudsYaml, writeConfig } from '../support/run-cli.ts'

const GET_BACKUP = 'GET /volume/v3/{project_id}/backups/{backup_id}'
const MISSING = '0b2a6f1e-9c8d-4e3f-a1b2-c3d4e5f60718'

test('the CLI keeps backup_workers + 8 requests to one endpoint in flight at once (16 keep-alive connections held the rest back)', async () => {
  const sim = await startSimulator({ seed: 5, transitionMs: 0 })
  const home = tempDir()
  let release: () => void = () => {}
  const gate = new Promise<void>((r) => (release = r))
  const deps = buildDeps(
    { osCloud: 'sim-admin', osCloudSource: '--os-cloud', config: writeConfig(home.dir, { conductor: { backup_workers: 24 } }), debug: false },
    { OS_CLIENT_CONFIG_FILE: writeCloudsYaml(home.dir, { 'sim-admin': sim.cloudConfig('admin') }), HOME: home.dir },
    'backup',
  )
  try {
    const { cloud } = await deps.openCloud()
    sim.faults.hold(GET_BACKUP, gate)
    const sent = Array.from({ length: 40 }, () => cloud.getBackup(MISSING).catch((e: unknown) => e))
    const arrived = () => sim.calls()[GET_BACKUP] ?? 0
    // Bounded: the requests that can go out arrive within a few hundred turns of the event loop.
    for (let i = 0; i < 10_000 && arrived() < 32; i++) await turn()
    for (let i = 0; i < 200; i++) await turn()
    assert.equal(arrived(), 32, 'backup_workers (24) + 8 connections, each with one request held')
    release()
    const results = await Promise.all(sent)
    assert.equal(results.filter((r) => r === undefined).length, 40, 'an unknown backup is undefined, once every request was let go')
    assert.equal(arrived(), 40)
  } finally {
    release()
    await deps.close()
    await sim.close()
    home.remove()
  }
})
