/**
 * `snapwarden daemon --backups --all-projects` as a child process on the real devcloud (issue 7,
 * "Campaigns in the suite"), over two projects: a server in the admin project and one in the demo
 * project, each with a volume, tagged with a backup key unique to this run (so the daemon backs up
 * nothing else of the shared cloud). The daemon talks to Keystone and Cinder through loopback
 * proxies (tests/support/lost-response-proxy.ts) that lose the answer to the demo volume's first
 * backup create: the backup exists, and the daemon must find it rather than make another.
 * backup_service_period is 10 s (the shortest the config takes);
 * the snapshot jobs are scheduled once a year so they do not run. After a few backup cycles the
 * daemon is stopped (SIGTERM) and its store and Cinder are compared: each cycle made one backup per
 * volume, and Cinder holds no backup that no task recorded. The daemon does not wait for its
 * backups: each cycle's tasks are finished by the next cycle's listing, and those of the last cycle
 * are still in flight at the stop (started, with their backup recorded).
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { setTimeout as delay } from 'node:timers/promises'
import type { BackupTask, Store } from '../../src/domain/store-port.ts'
import * as backups from '../../src/openstack/blockstorage/v3/backups/index.ts'
import type { Connection } from '../../src/openstack/connection.ts'
import { openStore } from '../../src/store/index.ts'
import { collectOutput } from '../support/backup-daemon.ts'
import { createProtectedServer, ensureBackupRoom, removeProtectedServer, type ProtectedServer } from '../support/backup-devcloud.ts'
import { assertDevcloudUp, DEVCLOUD_CLOUDS_YAML, openDevcloud } from '../support/devcloud.ts'
import { devcloudIds, grantAdminInDemo, removeBackupsOfVolume } from '../support/devcloud-projects.ts'
import { dropFirst, LostResponseProxy } from '../support/lost-response-proxy.ts'
import { spawnCli, tempDir, writeConfig } from '../support/run-cli.ts'
import { parse, stringify } from 'yaml'

const RUN = randomUUID().slice(0, 8)
const PREFIX = `swtest-dmn-${RUN}`
const BACKUP_KEY = `swtest_dmn_${RUN}`
const CYCLES = 3
const YEARLY = '0 0 1 1 *'
/** Bounded: 3 cycles of two real backups each take about a minute on the devcloud. */
const RUN_MS = 8 * 60_000
const ids = devcloudIds()

let admin: Connection
let member: Connection
let revokeRole: (() => Promise<void>) | undefined
const made: { conn: () => Connection; made: Partial<ProtectedServer> }[] = []
const home = tempDir('swtest-dmn-')

before(async () => {
  await assertDevcloudUp()
  admin = await openDevcloud('devcloud-admin')
  member = await openDevcloud('devcloud-member')
  revokeRole = await grantAdminInDemo(admin)
  for (const p of [ids.admin_project_id, ids.demo_project_id]) await ensureBackupRoom(admin, p, CYCLES + 4)
})

after(async () => {
  const problems: string[] = []
  try {
    for (const m of made) {
      // Backups in any project first (a wrong look-up could have made one in the admin's).
      if (m.made.volumeId) problems.push(...(await removeBackupsOfVolume(admin, m.made.volumeId)))
      problems.push(...(await removeProtectedServer(m.conn(), m.made)))
    }
    await revokeRole?.()
  } finally {
    await admin?.close()
    await member?.close()
    home.remove()
  }
  assert.deepEqual(problems, [], 'cleanup left something behind')
})

/** Every task in the store (nothing marks them reported here), finished and open. */
async function allTasks(store: Store): Promise<BackupTask[]> {
  return [...(await store.tasksForReport()), ...(await store.openTasks())]
}

test(`daemon --backups --all-projects over two projects: one backup per volume per cycle, no doubles (${CYCLES} cycles)`, { timeout: RUN_MS + 300_000 }, async (t) => {
  // Both servers at once (booting and attaching take most of the set-up time).
  const targets = await Promise.all(
    ([
      [admin, 'admin', 'devcloud.tiny'],
      [member, 'demo', 'devcloud.small'],
    ] as const).map(([conn, project, flavor]) => {
      const m: Partial<ProtectedServer> = {}
      made.push({ conn: () => conn, made: m })
      return createProtectedServer(conn, `${PREFIX}-${project}`, { [BACKUP_KEY]: 'true' }, m, flavor)
    }),
  )
  const storeUrl = `sqlite:${join(home.dir, 'state', 'snapwarden.db')}`
  const configPath = writeConfig(home.dir, {
    conductor: { backup_metadata_key: BACKUP_KEY, backup_service_period: 10, backup_min_interval: 0, retention_service_period: 86_400, backup_cycle_timeout: '10min' },
  })
  // The daemon's Keystone and Cinder are behind loopback proxies; the answer to the demo volume's
  // first backup create is lost (the backup is made, the daemon never hears of it).
  const keystone = await LostResponseProxy.start('http://127.0.0.1:5000')
  const cinder = await LostResponseProxy.start('http://127.0.0.1:8776')
  keystone.rewrite = [['http://127.0.0.1:8776', cinder.origin]]
  cinder.rewrite = [['http://127.0.0.1:8776', cinder.origin]]
  cinder.dropResponse = dropFirst('POST', new RegExp(`/v3/${ids.demo_project_id}/backups$`))
  const clouds = parse(readFileSync(DEVCLOUD_CLOUDS_YAML, 'utf8')) as { clouds: Record<string, { auth: { auth_url: string } }> }
  const entry = clouds.clouds['devcloud-admin']
  assert.ok(entry, 'clouds.yaml has devcloud-admin')
  entry.auth.auth_url = entry.auth.auth_url.replace('http://127.0.0.1:5000', keystone.origin)
  const cloudsPath = join(home.dir, 'clouds.yaml')
  writeFileSync(cloudsPath, stringify({ clouds: { 'devcloud-admin': entry } }), { mode: 0o600 })
  const daemon = spawnCli(
    ['--config', configPath, 'daemon', '--backups', '--all-projects', '--bind-address', '127.0.0.1:0', '--create-schedule', YEARLY, '--expire-schedule', YEARLY, '--grace-seconds', '120'],
    { dir: home.dir, env: { OS_CLIENT_CONFIG_FILE: cloudsPath, OS_CLOUD: 'devcloud-admin', SNAPWARDEN_DB: storeUrl }, timeoutMs: RUN_MS + 180_000 },
  )
  const out = collectOutput(daemon.child)
  let store: Store | undefined
  try {
    await out.waitFor(/"job":"backup","outcome":"\w+"[^\n]*"msg":"job finished"/, 240_000)
    store = openStore({ url: storeUrl })
    // Wait (bounded) until CYCLES cycles' tasks finished. The daemon does not wait for its backups:
    // a cycle's tasks are finished by the next cycle's listing, so some are always in flight.
    const deadline = Date.now() + RUN_MS
    for (;;) {
      const tasks = await allTasks(store)
      const finished = new Set(tasks.filter((x) => x.finishedAt !== undefined).map((x) => x.cycleId))
      if (finished.size >= CYCLES) break
      if (Date.now() > deadline) throw new Error(`${finished.size} of ${CYCLES} cycles finished after ${RUN_MS} ms; daemon output:\n${out.text().slice(-4000)}`)
      await delay(2_000)
    }
    daemon.child.kill('SIGTERM')
    const exit = await out.exit(180_000)
    assert.equal(exit, 0, `daemon exit ${exit}; output:\n${out.text().slice(-4000)}`)

    const tasks = await allTasks(store)
    const byCycle = new Map<string, BackupTask[]>()
    for (const x of tasks) byCycle.set(x.cycleId, [...(byCycle.get(x.cycleId) ?? []), x])
    const problems: string[] = []
    for (const [cycleId, xs] of byCycle) {
      for (const v of targets) {
        const n = xs.filter((x) => x.volumeId === v.volumeId).length
        // A cycle the SIGTERM cut short may not have planned both; a finished one has each volume once.
        if (n > 1) problems.push(`cycle ${cycleId}: ${n} tasks for volume ${v.volumeId}`)
      }
    }
    // At the stop, the last cycle's backups are in flight (started, with their backup id) or were never sent (planned).
    const inFlight = tasks.filter((x) => x.state === 'started' && x.backupId !== undefined)
    for (const x of tasks) {
      if (x.state === 'succeeded' || inFlight.includes(x) || (x.state === 'planned' && x.backupName === undefined)) continue
      problems.push(`task ${x.id} (volume ${x.volumeId}) ${x.state}: ${x.errorCode ?? ''} ${x.errorMessage ?? ''}`)
    }
    const recorded = new Set(tasks.map((x) => x.backupId).filter((id): id is string => id !== undefined))
    let inCinder = 0
    for (const v of targets) {
      const list: backups.Backup[] = []
      for await (const b of backups.list(admin.blockStorage, { volumeId: v.volumeId, allTenants: true })) if (b.volumeId === v.volumeId) list.push(b)
      inCinder += list.length
      for (const b of list) if (!recorded.has(b.id)) problems.push(`backup ${b.id} of volume ${v.volumeId} (${b.name}) belongs to no task: a double backup`)
      const cyclesWithVolume = [...byCycle.values()].filter((xs) => xs.some((x) => x.volumeId === v.volumeId)).length
      if (cyclesWithVolume < CYCLES) problems.push(`volume ${v.volumeId} was backed up in ${cyclesWithVolume} cycles, expected ${CYCLES} or more`)
      const project = list[0]?.projectId
      if (project !== undefined && v === targets[1] && project !== ids.demo_project_id) problems.push(`the demo volume's backups belong to project ${project}`)
    }
    t.diagnostic(`cycles: ${byCycle.size}, tasks: ${tasks.length}, backups in Cinder: ${inCinder}, volumes: ${targets.length} (admin and demo projects), answers dropped: ${cinder.dropped().length}`)
    assert.equal(cinder.dropped().length, 1, 'the proxy dropped the answer to the demo volume\'s first backup create')
    for (const p of problems) t.diagnostic(p)
    assert.deepEqual(problems, [])
    assert.equal(inCinder, tasks.filter((x) => x.state === 'succeeded').length + inFlight.length, 'one backup per succeeded or in-flight task')
  } finally {
    if (daemon.child.exitCode === null && daemon.child.signalCode === null) daemon.child.kill('SIGKILL')
    await daemon.done
    await store?.close()
    await keystone.close()
    await cinder.close()
  }
})
