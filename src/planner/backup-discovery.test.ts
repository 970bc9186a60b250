import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { ServerRef, VolumeRef } from '../domain/index.ts'
import {
  DEFAULT_BACKUP_METADATA_KEY,
  DEFAULT_RETENTION_METADATA_KEY,
  discoverBackupTargets,
  type BackupDiscoverySettings,
} from './backup-discovery.ts'
import type { RetentionTime } from './retention-time.ts'

const zero: RetentionTime = { years: 0, months: 0, weeks: 0, days: 0, hours: 0, minutes: 0, seconds: 0 }
const settings: BackupDiscoverySettings = {
  backupMetadataKey: DEFAULT_BACKUP_METADATA_KEY,
  retentionMetadataKey: DEFAULT_RETENTION_METADATA_KEY,
  defaultRetention: { ...zero, days: 30 },
}

function server(id: string, metadata: Record<string, string>, volumeIds: string[]): ServerRef {
  return { id, projectId: 'p1', name: `vm-${id}`, status: 'ACTIVE', metadata, volumeIds }
}
function volume(id: string, status = 'in-use', metadata: Record<string, string> = {}): VolumeRef {
  return {
    id, projectId: 'p1', name: `vol-${id}`, status, sizeGb: 1, createdAt: new Date('2024-01-01T00:00:00Z'),
    metadata, attachments: [], multiattach: false,
  }
}

test('volumes of servers whose backup key is true in any letter case are targets', () => {
  const result = discoverBackupTargets({
    servers: [
      server('s1', { __staffeln_backup: 'true' }, ['v1']),
      server('s2', { __staffeln_backup: 'True' }, ['v2']),
      server('s3', { __staffeln_backup: 'TRUE' }, ['v3']),
    ],
    volumes: [volume('v1'), volume('v2'), volume('v3')],
    settings,
  })
  assert.deepEqual(result.targets.map((t) => [t.server.id, t.volume.id]), [['s1', 'v1'], ['s2', 'v2'], ['s3', 'v3']])
  assert.deepEqual(result.problems, [])
})

test('servers without the key or with false are ignored silently', () => {
  const result = discoverBackupTargets({
    servers: [server('s1', {}, ['v1']), server('s2', { __staffeln_backup: 'false' }, ['v2'])],
    volumes: [volume('v1'), volume('v2')],
    settings,
  })
  assert.deepEqual(result, { targets: [], skipped: [], problems: [], holds: [] })
})

test('a backup key set to yes does not enable backups and is reported as a problem', () => {
  const result = discoverBackupTargets({ servers: [server('s1', { __staffeln_backup: 'yes' }, ['v1'])], volumes: [volume('v1')], settings })
  assert.equal(result.targets.length, 0)
  assert.equal(result.problems.length, 1)
  assert.equal(result.problems[0]?.key, '__staffeln_backup')
  assert.equal(result.problems[0]?.value, 'yes')
  assert.match(result.problems[0]?.message ?? '', /s1/)
  assert.deepEqual(result.holds.map((h) => [h.serverId, h.key, h.value, h.volumeIds]), [['s1', '__staffeln_backup', 'yes', ['v1']]])
})

test('a custom backup_metadata_key is honoured', () => {
  const result = discoverBackupTargets({
    servers: [server('s1', { backup: 'true' }, ['v1']), server('s2', { __staffeln_backup: 'true' }, ['v2'])],
    volumes: [volume('v1'), volume('v2')],
    settings: { ...settings, backupMetadataKey: 'backup' },
  })
  assert.deepEqual(result.targets.map((t) => t.volume.id), ['v1'])
})

test('volumes that opt out by metadata are skipped with the key named', () => {
  const result = discoverBackupTargets({
    servers: [server('s1', { __staffeln_backup: 'true' }, ['v1', 'v2', 'v3'])],
    volumes: [
      volume('v1', 'in-use', { 'x-snapwarden-backup-skip': 'True' }),
      volume('v2', 'in-use', { 'skip-volume-backup': 'true' }),
      volume('v3', 'in-use', { 'x-snapwarden-backup-skip': 'false' }),
    ],
    settings,
  })
  assert.deepEqual(result.targets.map((t) => t.volume.id), ['v3'])
  assert.deepEqual(result.skipped.map((s) => [s.volumeId, s.reason]), [['v1', 'volume_opt_out'], ['v2', 'volume_opt_out']])
  assert.match(result.skipped[1]?.message ?? '', /skip-volume-backup=true/)
})

test('only available and in-use volumes are targets; others are skipped with their status', () => {
  const statuses = ['available', 'in-use', 'error', 'creating', 'deleting', 'maintenance', 'backing-up', 'error_restoring']
  const result = discoverBackupTargets({
    servers: [server('s1', { __staffeln_backup: 'true' }, statuses.map((s) => `v-${s}`))],
    volumes: statuses.map((s) => volume(`v-${s}`, s)),
    settings,
  })
  assert.deepEqual(result.targets.map((t) => t.volume.id), ['v-available', 'v-in-use'])
  assert.deepEqual(result.skipped.map((s) => s.reason), Array(6).fill('volume_status'))
  assert.match(result.skipped.find((s) => s.volumeId === 'v-maintenance')?.message ?? '', /in maintenance status/)
})

test('an attached volume missing from the listing is skipped as not found', () => {
  const result = discoverBackupTargets({ servers: [server('s1', { __staffeln_backup: 'true' }, ['gone'])], volumes: [], settings })
  assert.deepEqual(result.skipped.map((s) => [s.volumeId, s.serverId, s.reason]), [['gone', 's1', 'volume_not_found']])
})

test('a valid retention key on the server overrides the default retention_time', () => {
  const result = discoverBackupTargets({
    servers: [server('s1', { __staffeln_backup: 'true', __staffeln_retention: '20min' }, ['v1']), server('s2', { __staffeln_backup: 'true' }, ['v2'])],
    volumes: [volume('v1'), volume('v2')],
    settings,
  })
  assert.deepEqual(result.targets.map((t) => [t.volume.id, t.retentionSource, t.retention.minutes, t.retention.days]), [
    ['v1', 'server', 20, 0],
    ['v2', 'default', 0, 30],
  ])
})

for (const [value, why] of [
  ['3000y', /longer than 1000 years/],
  ['', /empty/],
  ['1d2w', /'w' after 'd'/],
  ['20m', /unknown unit 'm'.*'mon' for months or 'min' for minutes/],
] as const) {
  test(`an invalid retention key (${JSON.stringify(value)}) is a problem naming server, key, value and grammar, and holds every backup of the server's volumes`, () => {
    const result = discoverBackupTargets({
      servers: [
        server('s1', { __staffeln_backup: 'true', __staffeln_retention: value }, ['v1', 'v-skip', 'v-gone']),
        server('s2', { __staffeln_backup: 'true', __staffeln_retention: '1w' }, ['v2']),
      ],
      volumes: [volume('v1'), volume('v-skip', 'in-use', { 'x-snapwarden-backup-skip': 'true' }), volume('v2')],
      settings,
    })
    // still backed up
    assert.deepEqual(result.targets.map((t) => t.volume.id), ['v1', 'v2'])
    assert.equal(result.problems.length, 1)
    const problem = result.problems[0]!
    assert.deepEqual([problem.serverId, problem.key, problem.value], ['s1', '__staffeln_retention', value])
    assert.match(problem.accepted, /y, mon, w, d, h, min, s/)
    assert.match(problem.message, why)
    assert.ok(problem.message.includes(`server s1 (vm-s1): __staffeln_retention=${JSON.stringify(value)}`), problem.message)
    assert.match(problem.message, /accepted: <int><unit>.*no backup of its volumes expires until the value is fixed/)
    // every attached volume is held, also the opted-out one and the one missing from the listing
    assert.deepEqual(result.holds.map((h) => [h.serverId, h.key, h.value, h.volumeIds]), [['s1', '__staffeln_retention', value, ['v1', 'v-skip', 'v-gone']]])
    assert.match(result.holds[0]!.reason, /server s1 \(vm-s1\).*__staffeln_retention.*no backup of its volumes expires/)
  })
}

test('a valid or absent retention key holds nothing', () => {
  const result = discoverBackupTargets({
    servers: [server('s1', { __staffeln_backup: 'true', __staffeln_retention: ' 2D ' }, ['v1']), server('s2', { __staffeln_backup: 'true' }, ['v2'])],
    volumes: [volume('v1'), volume('v2')],
    settings,
  })
  assert.deepEqual([result.problems, result.holds], [[], []])
})

test('a volume shared by two backed-up servers is one target with the longer retention', () => {
  const result = discoverBackupTargets({
    servers: [
      server('s2', { __staffeln_backup: 'true', __staffeln_retention: '2mon' }, ['shared']),
      server('s1', { __staffeln_backup: 'true', __staffeln_retention: '1w' }, ['shared']),
    ],
    volumes: [volume('shared')],
    settings,
  })
  assert.equal(result.targets.length, 1)
  assert.equal(result.targets[0]?.server.id, 's1')
  assert.equal(result.targets[0]?.retention.months, 2)
  assert.match(result.targets[0]?.reasons.join('; ') ?? '', /also attached to server s2/)
})

test('discovery does not mutate its inputs', () => {
  const servers = [server('s2', { __staffeln_backup: 'true' }, ['v2']), server('s1', { __staffeln_backup: 'true' }, ['v1'])]
  const before = JSON.stringify(servers)
  discoverBackupTargets({ servers, volumes: [volume('v1'), volume('v2')], settings })
  assert.equal(JSON.stringify(servers), before)
})
