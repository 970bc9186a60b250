import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { BackupRecord, RetentionTiers } from '../domain/index.ts'
import { applyBackupRetention, backupChains, type BackupRetentionResult } from './backup-retention.ts'
import { GOOD_BACKUP_STATUSES } from './backup-marks.ts'
import { parseRetentionTime, retentionCutoff } from './retention-time.ts'

const now = new Date('2024-05-10T12:00:00Z')
const DAY = 86400_000

/** `F`/`I` = full/incremental, `daysAgo`, then options. Ids are `<volume>-<index>` in list order. */
interface Spec {
  readonly k: 'F' | 'I'
  readonly daysAgo: number
  readonly status?: string
  readonly managed?: false
  readonly dependents?: true
  readonly volume?: string
}
const F = (daysAgo: number, o: Omit<Spec, 'k' | 'daysAgo'> = {}): Spec => ({ k: 'F', daysAgo, ...o })
const I = (daysAgo: number, o: Omit<Spec, 'k' | 'daysAgo'> = {}): Spec => ({ k: 'I', daysAgo, ...o })

function build(specs: readonly Spec[]): BackupRecord[] {
  return specs.map((s, i) => {
    const volumeId = s.volume ?? 'v1'
    return {
      id: `${volumeId}-${String(i).padStart(2, '0')}${s.k}`,
      volumeId, projectId: 'p1', name: `b${i}`, status: s.status ?? 'available', sizeGb: 1,
      createdAt: new Date(now.getTime() - s.daysAgo * DAY), isIncremental: s.k === 'I',
      hasDependentBackups: s.dependents ?? false,
      metadata: s.managed === false ? {} : { __automated_backup: 'True' } as Record<string, string>,
    }
  })
}

interface Case {
  readonly name: string
  readonly backups: readonly Spec[]
  /** Retention in Staffeln's grammar. */
  readonly retention: string
  readonly keepCount?: number
  readonly tiers?: RetentionTiers
}

const cases: readonly Case[] = [
  { name: 'chain-within-retention', retention: '30d', backups: [F(3), I(2), I(1)] },
  {
    name: 'expired-chains',
    retention: '10d',
    backups: [F(40), I(39), I(38), F(30), I(29), F(5), I(4), I(3)],
  },
  { name: 'kept-incremental-keeps-parents', retention: '10d', backups: [F(20), I(19), I(18), I(5), F(4)] },
  { name: 'last-good-copy', retention: '7d', backups: [F(40), I(39), I(38), F(30), I(29)] },
  {
    name: 'last-good-copy-skips-failed',
    retention: '7d',
    backups: [F(40), I(30), I(20, { status: 'error' }), I(19, { status: 'error_deleting' })],
  },
  {
    name: 'transitional-states',
    retention: '7d',
    backups: [F(40), I(30, { status: 'restoring' }), F(20), I(19, { status: 'deleting' }), F(2), I(0, { status: 'creating' })],
  },
  {
    name: 'creating-incremental-keeps-parent',
    retention: '7d',
    backups: [F(40), I(30), F(20, { status: 'error' }), I(19, { status: 'creating' })],
  },
  { name: 'failed-full-does-not-start-chain', retention: '7d', backups: [F(20), F(15, { status: 'error' }), I(2)] },
  {
    name: 'unmanaged-backups',
    retention: '7d',
    backups: [F(40), I(30, { managed: false }), F(20, { managed: false }), F(10), I(9), F(1)],
  },
  { name: 'orphan-incrementals', retention: '7d', backups: [I(40), I(30), F(2), I(1)] },
  { name: 'cinder-reports-unlisted-dependents', retention: '7d', backups: [F(40, { dependents: true }), F(20), F(1)] },
  {
    name: 'keep-count-with-chains',
    retention: '1d',
    keepCount: 3,
    backups: [F(40), I(39), I(38), F(30), I(29), I(28), F(20), I(19), I(18)],
  },
  {
    name: 'daily-tiers-with-chains',
    retention: '1h',
    tiers: { daily: 3, monthly: 2 },
    backups: [F(70), I(65), F(45), I(44), I(43), F(6), I(5.5), I(5), F(2), I(1.5), I(1), I(0.5)],
  },
  {
    name: 'several-volumes',
    retention: '10d',
    backups: [F(40), I(30), F(20, { volume: 'v2' }), I(3, { volume: 'v2' }), F(2), F(30, { volume: 'v3', status: 'error' })],
  },
]

const TESTDATA = join(import.meta.dirname, 'testdata')

function summarize(result: BackupRetentionResult): unknown {
  return {
    chains: result.chains.map((c) => c.backupIds),
    keep: result.keep.map((k) => ({ id: k.backup.id, reasons: k.reasons })),
    remove: result.remove.map((r) => ({ id: r.backup.id, reasons: r.reasons })),
  }
}

function checkInvariants(input: readonly BackupRecord[], result: BackupRetentionResult): void {
  const ids = (xs: readonly { backup: BackupRecord }[]) => xs.map((x) => x.backup.id)
  const kept = new Set(ids(result.keep))
  // keep ∪ remove = input, disjoint
  assert.deepEqual([...ids(result.keep), ...ids(result.remove)].sort(), input.map((b) => b.id).sort())
  assert.equal(kept.size + result.remove.length, input.length)
  // every decision carries a reason
  for (const x of [...result.keep, ...result.remove]) assert.ok(x.reasons.length > 0, `${x.backup.id} has reasons`)
  // parents of kept incrementals are kept: every backup that can be a parent before a kept incremental
  // holding data in its chain is kept (an incremental depends on the newest earlier good backup)
  for (const chain of backupChains(input)) {
    chain.forEach((b, i) => {
      if (!kept.has(b.id) || !b.isIncremental || ['error', 'error_deleting'].includes(b.status)) return
      const parent = chain.slice(0, i).findLast((p) => !['error', 'error_deleting', 'deleting', 'creating'].includes(p.status))
      if (parent) assert.ok(kept.has(parent.id), `parent ${parent.id} of kept ${b.id} is kept`)
    })
  }
  // children first: within a chain, removal goes from newest to oldest
  const position = new Map(ids(result.remove).map((id, i) => [id, i]))
  for (const chain of backupChains(input)) {
    const removed = chain.filter((b) => position.has(b.id)).map((b) => position.get(b.id)!)
    assert.deepEqual(removed, [...removed].sort((a, b) => b - a), 'removal order is children first')
  }
  // never removed: unmanaged, transitional
  for (const r of result.remove) {
    assert.ok(r.backup.metadata.__automated_backup, `${r.backup.id} is managed`)
    assert.ok(['available', 'error', 'error_deleting'].includes(r.backup.status), `${r.backup.id} is not transitional`)
  }
  // last good copy: a volume with an available managed backup keeps one
  for (const volumeId of new Set(input.map((b) => b.volumeId))) {
    const hadGood = input.some((b) => b.volumeId === volumeId && b.status === 'available' && b.metadata.__automated_backup)
    const keepsGood = result.keep.some((k) => k.backup.volumeId === volumeId && GOOD_BACKUP_STATUSES.includes(k.backup.status) && k.backup.metadata.__automated_backup)
    if (hadGood) assert.ok(keepsGood, `volume ${volumeId} keeps a good copy`)
  }
}

for (const c of cases) {
  test(`backup retention golden: ${c.name}`, () => {
    const backups = build(c.backups)
    const frozen = JSON.stringify(backups)
    const parsed = parseRetentionTime(c.retention)
    assert.ok(parsed.ok)
    const result = applyBackupRetention({
      backups, retentionCutoff: retentionCutoff(parsed.value, now), timezone: 'Europe/Berlin', now,
      ...(c.keepCount !== undefined ? { keepCount: c.keepCount } : {}), ...(c.tiers ? { tiers: c.tiers } : {}),
    })
    assert.equal(JSON.stringify(backups), frozen, 'input is not mutated')
    checkInvariants(backups, result)
    const file = join(TESTDATA, `backup-retention-${c.name}.json`)
    const got = { case: c, now: now.toISOString(), result: summarize(result) }
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, JSON.stringify(got, null, 2) + '\n')
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), JSON.parse(JSON.stringify(got)))
  })
}

test('a backup created exactly at the cutoff is kept, one a millisecond older is expired', () => {
  const cutoff = new Date(now.getTime() - 9 * DAY)
  const [older, atCutoff] = build([F(9), F(9)])
  const backups = [{ ...older!, createdAt: new Date(cutoff.getTime() - 1) }, atCutoff!]
  const result = applyBackupRetention({ backups, retentionCutoff: cutoff, timezone: 'UTC', now })
  assert.deepEqual(result.keep.map((k) => k.backup.id), [atCutoff!.id])
  assert.deepEqual(result.remove.map((r) => r.backup.id), [older!.id])
})

test('an isManaged override decides which backups retention may remove', () => {
  const backups = build([F(40, { managed: false }), F(30, { managed: false }), F(1, { managed: false })])
  const cutoff = new Date(now.getTime() - 7 * DAY)
  assert.equal(applyBackupRetention({ backups, retentionCutoff: cutoff, timezone: 'UTC', now }).remove.length, 0)
  const result = applyBackupRetention({ backups, retentionCutoff: cutoff, timezone: 'UTC', now, isManaged: () => true })
  assert.deepEqual(result.remove.map((r) => r.backup.id), ['v1-01F', 'v1-00F'])
})

test('a held backup (x-snapwarden-hold) is never expired, and neither is the chain it needs', () => {
  const backups = build([F(40), I(39), I(38), F(5), I(4)]).map((b) =>
    b.id === 'v1-01I' ? { ...b, metadata: { ...b.metadata, 'x-snapwarden-hold': 'true' } } : b,
  )
  const result = applyBackupRetention({ backups, retentionCutoff: new Date(now.getTime() - 10 * DAY), timezone: 'UTC', now })
  const kept = new Map(result.keep.map((k) => [k.backup.id, k.reasons]))
  assert.match(kept.get('v1-01I')?.join('; ') ?? '', /x-snapwarden-hold is set/)
  assert.ok(kept.has('v1-00F'), 'the held incremental keeps its full')
  assert.deepEqual(result.remove.map((r) => r.backup.id), ['v1-02I'], 'the unheld incremental after it still expires')
})

test('a hold value we cannot read holds too; "false" does not', () => {
  const with_ = (value: string) =>
    build([F(40), F(5)]).map((b) => (b.id === 'v1-00F' ? { ...b, metadata: { ...b.metadata, 'x-snapwarden-hold': value } } : b))
  const run = (value: string) => applyBackupRetention({ backups: with_(value), retentionCutoff: new Date(now.getTime() - 10 * DAY), timezone: 'UTC', now })
  assert.deepEqual(run('yes').remove, [])
  assert.deepEqual(run('false').remove.map((r) => r.backup.id), ['v1-00F'])
})
