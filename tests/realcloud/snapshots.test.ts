// The snapshot side end to end against the real devcloud (Keystone + Cinder, OpenStack Zed), through
// the CLI as a child process: subscribe, policies, create, idempotent re-run, expire (and the
// last-available rule under `plan --at`), stuck-snapshot healing. Fails, never skips, when the cloud
// is absent. Everything created is named swtest-snap-* and deleted in `finally`.
//
// The CLI acts on every volume of the admin project that has a policy. Other engineers' volumes
// there have none; each command's JSON is checked to have touched nothing but our volume.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import * as snapshots from '../../src/openstack/blockstorage/v3/snapshots/index.ts'
import type { Connection } from '../../src/openstack/connection.ts'
import {
  assertDevcloudUp,
  createTestVolume,
  devcloudEnv,
  ensureSnapshotQuota,
  openDevcloud,
  pollUntil,
  removeVolumeAndSnapshots,
  snapshotsOf,
  waitGone,
} from '../support/devcloud.ts'
import { describeRun, runCli, tempDir, writeConfig, type CliResult } from '../support/run-cli.ts'

const PREFIX = `swtest-snap-${process.pid}`
const CLI_TIMEOUT_MS = 180_000

interface CycleJson {
  now: string
  items: {
    action: 'create' | 'keep' | 'delete' | 'skip'
    purpose?: string
    volumeId: string
    snapshotId?: string
    reasons: string[]
    window?: { key: string }
    result?: { status: string; snapshotId?: string; error?: { code: string; message: string } }
  }[]
  problems: unknown[]
}

/** `daily/2026-03-08T00:00+00:00[UTC]` and its start instant, `days` UTC days before today. */
function dailyWindow(days: number): { key: string; start: string; end: string } {
  const start = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate() - days))
  const end = new Date(start.getTime() + 86400_000)
  const iso = (d: Date) => d.toISOString().replace('.000Z', 'Z')
  return { key: `daily/${start.toISOString().slice(0, 10)}T00:00+00:00[UTC]`, start: iso(start), end: iso(end) }
}

describe('snapshots on the real devcloud (CLI)', { concurrency: 1 }, () => {
  let admin: Connection
  let volumeId = ''
  let home: ReturnType<typeof tempDir>

  const cli = async (args: readonly string[]): Promise<CliResult> =>
    runCli(args, { env: devcloudEnv('devcloud-admin'), dir: home.dir, timeoutMs: CLI_TIMEOUT_MS })

  /** Runs a cycle command with --json; asserts its exit code and that it acted on no volume but ours. */
  const cycle = async (args: readonly string[], exitCodes: readonly number[] = [0]): Promise<CycleJson> => {
    const r = await cli([...args, '--json'])
    assert.ok(r.code !== null && exitCodes.includes(r.code), describeRun(r))
    const out = JSON.parse(r.stdout) as CycleJson
    const foreign = out.items.filter((i) => (i.action === 'create' || i.action === 'delete') && i.volumeId !== volumeId)
    assert.deepEqual(foreign, [], `the run acted on volumes other than ${volumeId}: another test left a policy in the admin project`)
    return out
  }
  const ours = (out: CycleJson) => out.items.filter((i) => i.volumeId === volumeId)

  before(async () => {
    await assertDevcloudUp()
    admin = await openDevcloud('devcloud-admin')
    home = tempDir('swtest-snap-')
    const token = await admin.provider.authenticate()
    await ensureSnapshotQuota(admin, token.project?.id ?? '', 5)
  })

  after(async () => {
    try {
      if (volumeId) await removeVolumeAndSnapshots(admin, volumeId)
    } finally {
      home?.remove()
      await admin?.close()
    }
  })

  // The cases run in order and share one volume (real Cinder is slow); each depends on the previous.
  let olderId = ''
  let newId = ''
  const today = dailyWindow(0)

  test('subscribe daily tags the volume and policies shows the policy', { timeout: 300_000 }, async () => {
    const vol = await createTestVolume(admin, `${PREFIX}-vol`, { swtest: 'snap' })
    volumeId = vol.id
    // Nothing but ours may be acted on: a plan before subscribing must show nothing for our volume
    // and (checked by `cycle`) no create or delete for anyone else's.
    assert.deepEqual(ours(await cycle(['plan', '--mode', 'all'], [0, 3])), [])

    const sub = await cli(['subscribe', 'daily', '--volume-id', vol.id, '--retention', '1', '--timezone', 'UTC', '--start-time', '00:00'])
    assert.equal(sub.code, 0, describeRun(sub))
    assert.match(sub.stdout, new RegExp(`volume ${vol.id} \\(${PREFIX}-vol\\) subscribed to daily`))
    const pol = await cli(['policies', '--volume-id', vol.id, '--json'])
    assert.equal(pol.code, 0, describeRun(pol))
    const policies = JSON.parse(pol.stdout) as { volumeId: string; policies: { name: string; retention: { maxAgeDays?: number } }[]; problems: unknown[] }[]
    assert.deepEqual(
      policies.map((p) => ({ volumeId: p.volumeId, names: p.policies.map((x) => x.name), days: p.policies[0]?.retention.maxAgeDays, problems: p.problems })),
      [{ volumeId: vol.id, names: ['daily'], days: 1, problems: [] }],
    )
  })

  test('create-snapshots creates exactly one snapshot carrying the window metadata', { timeout: 300_000 }, async () => {
    assert.ok(volumeId, 'no volume: the subscribe case failed')
    // A snapshot of ours from two days ago (made directly, marked as the CLI marks them): expired by age later.
    const old = dailyWindow(2)
    const older = await snapshots.create(admin.blockStorage, {
      volumeId,
      name: `${PREFIX}-older`,
      metadata: { 'x-snapwarden-managed': 'true', 'x-snapwarden-policy': 'daily', 'x-snapwarden-window': old.key, 'x-snapwarden-window-start': old.start, 'x-snapwarden-window-end': old.end },
    })
    olderId = older.id
    await pollUntil(`snapshot ${older.id} available`, () => snapshots.get(admin.blockStorage, older.id), (s) => s.status === 'available')

    const created = await cycle(['create-snapshots'])
    const creates = ours(created).filter((i) => i.action === 'create')
    assert.deepEqual(creates.map((i) => [i.window?.key, i.result?.status]), [[today.key, 'succeeded']], JSON.stringify(created, null, 1))
    newId = creates[0]!.result!.snapshotId!
    const all = await snapshotsOf(admin, volumeId)
    assert.deepEqual(all.map((s) => s.id).sort(), [olderId, newId].sort())
    const fresh = all.find((s) => s.id === newId)!
    assert.equal(fresh.status, 'available')
    assert.equal(fresh.metadata['x-snapwarden-window'], today.key)
    assert.equal(fresh.metadata['x-snapwarden-managed'], 'true')
    assert.equal(fresh.metadata['x-snapwarden-policy'], 'daily')
    assert.equal(fresh.metadata['x-snapwarden-window-start'], today.start)
  })

  test('an immediate re-run of create-snapshots creates nothing', { timeout: 300_000 }, async () => {
    assert.ok(newId, 'no snapshot: the create case failed')
    const again = await cycle(['create-snapshots'])
    assert.deepEqual(ours(again).filter((i) => i.action === 'create'), [])
    assert.ok(ours(again).some((i) => i.action === 'skip' && i.reasons.some((r) => r.includes(`snapshot ${newId}`) && r.includes('already covers'))), JSON.stringify(again, null, 1))
    assert.equal((await snapshotsOf(admin, volumeId)).length, 2)
  })

  test('expire deletes what retention no longer keeps, and never the last available snapshot (plan --at far ahead)', { timeout: 300_000 }, async () => {
    assert.ok(newId && olderId, 'the create case failed')
    // In 2030 both are expired by age, yet the newest available one is never deleted.
    const future = await cycle(['plan', '--mode', 'expire', '--at', '2030-01-01T00:00:00Z'])
    const verdicts = Object.fromEntries(ours(future).flatMap((i) => (i.snapshotId ? [[i.snapshotId, `${i.action}: ${i.reasons.join('; ')}`]] : [])))
    assert.match(verdicts[olderId] ?? '', /^delete: expired/)
    assert.match(verdicts[newId] ?? '', /^keep: .*last available snapshot of the policy \(never removed\)/)

    // expire-snapshots now: the two-day-old one goes, today's stays.
    const expired = await cycle(['expire-snapshots'])
    const deletes = ours(expired).filter((i) => i.action === 'delete')
    assert.deepEqual(deletes.map((i) => [i.snapshotId, i.purpose, i.result?.status]), [[olderId, 'expire', 'succeeded']])
    await waitGone(`snapshot ${olderId}`, () => snapshots.get(admin.blockStorage, olderId))
    assert.deepEqual((await snapshotsOf(admin, volumeId)).map((s) => s.id), [newId])
  })

  test('a snapshot stuck in error longer than stuck_after is healed by expire-snapshots', { timeout: 300_000 }, async () => {
    assert.ok(newId, 'the create case failed')
    await snapshots.resetStatus(admin.blockStorage, newId, 'error')
    await pollUntil(`snapshot ${newId} in error`, () => snapshots.get(admin.blockStorage, newId), (s) => s.status === 'error')
    const config = writeConfig(home.dir, { snapshots: { stuck_after: 1 } })
    await pollUntil('stuck for more than 1 s', async () => Date.now() - (await snapshots.get(admin.blockStorage, newId)).updatedAt!.getTime(), (ms) => ms > 2000)

    const healed = await cycle(['--config', config, 'expire-snapshots'])
    const heals = ours(healed).filter((i) => i.action === 'delete')
    assert.deepEqual(heals.map((i) => [i.snapshotId, i.purpose, i.result?.status]), [[newId, 'heal', 'succeeded']], JSON.stringify(healed, null, 1))
    assert.match(heals[0]!.reasons.join(' '), /stuck in error/)
    await waitGone(`snapshot ${newId}`, () => snapshots.get(admin.blockStorage, newId))
  })

  test('a member credential cannot force-delete a snapshot stuck in error_deleting: reported, exit 3', { timeout: 300_000 }, async () => {
    const member = await openDevcloud('devcloud-member')
    let memberVolume = ''
    try {
      await ensureSnapshotQuota(admin, (await member.provider.authenticate()).project?.id ?? '', 2)
      const vol = await createTestVolume(member, `${PREFIX}-member`, { 'x-snapsentry-daily-enabled': 'true' })
      memberVolume = vol.id
      const snap = await snapshots.create(member.blockStorage, {
        volumeId: vol.id,
        name: `${PREFIX}-member-stuck`,
        metadata: { 'x-snapwarden-managed': 'true', 'x-snapwarden-policy': 'daily', 'x-snapwarden-window': dailyWindow(1).key },
      })
      await pollUntil(`snapshot ${snap.id} available`, () => snapshots.get(member.blockStorage, snap.id), (s) => s.status === 'available')
      await snapshots.resetStatus(admin.blockStorage, snap.id, 'error_deleting')
      await pollUntil('stuck for more than 1 s', async () => {
        const s = await snapshots.get(admin.blockStorage, snap.id)
        return s.status === 'error_deleting' ? Date.now() - s.updatedAt!.getTime() : 0
      }, (ms) => ms > 2000)
      const config = writeConfig(home.dir, { snapshots: { stuck_after: 1 } })

      const r = await runCli(['--config', config, 'expire-snapshots', '--json'], { env: devcloudEnv('devcloud-member'), dir: home.dir, timeoutMs: CLI_TIMEOUT_MS })
      assert.equal(r.code, 3, describeRun(r))
      const out = JSON.parse(r.stdout) as CycleJson
      const foreign = out.items.filter((i) => (i.action === 'create' || i.action === 'delete') && i.volumeId !== vol.id)
      assert.deepEqual(foreign, [], 'the member run acted on volumes other than ours in the demo project')
      const heal = out.items.find((i) => i.snapshotId === snap.id)
      assert.equal(heal?.result?.status, 'failed', JSON.stringify(out, null, 1))
      assert.equal(heal?.result?.error?.code, 'OS_FORBIDDEN')
      assert.match(heal?.result?.error?.message ?? '', /is stuck \(error_deleting\) and the credential may not force-delete it \(403\)/)
      assert.equal((await snapshots.get(admin.blockStorage, snap.id)).status, 'error_deleting')
    } finally {
      await member.close()
      if (memberVolume) await removeVolumeAndSnapshots(admin, memberVolume)
    }
  })
})
