import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import type { SnapshotRecord, VolumeRef } from '../domain/inventory.ts'
import type { CreateSnapshotItem, SnapshotPlanItem } from '../domain/plan.ts'
import { buildSnapshotPlan, groupOf } from './snapshot-plan.ts'
import type { SnapshotPlanInput, SnapshotPlanMode } from './snapshot-plan.ts'
import { aSnapshot, aVolume, ours, theirs } from './testing/builders.ts'
import { parseSnapshotPolicies } from './snapshot-policy.ts'
import { windowsBetween } from './schedule.ts'

function golden(name: string, actual: unknown): void {
  const file = new URL(`./testdata/${name}.json`, import.meta.url)
  const text = `${JSON.stringify(actual, null, 2)}\n`
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, text)
  assert.ok(existsSync(file), `golden ${name} is missing: run with UPDATE_GOLDEN=1 and review it`)
  assert.deepEqual(JSON.parse(text), JSON.parse(readFileSync(file, 'utf8')), `golden ${name} differs (UPDATE_GOLDEN=1 rewrites it)`)
}

const HOUR = 3_600_000
const NOW = new Date('2026-03-29T12:00:00Z') // Berlin spring-forward day, a Sunday

const ourSnap = (id: string, volumeId: string, policy: string, windowKey: string, at: string, status = 'available', extra: Partial<SnapshotRecord> = {}) =>
  aSnapshot({
    id,
    volumeId,
    at,
    status,
    metadata: { 'x-snapwarden-managed': 'true', 'x-snapwarden-policy': policy, 'x-snapwarden-window': windowKey },
    ...extra,
  })
const ssSnap = (id: string, volumeId: string, policy: string, at: string, status = 'available') =>
  aSnapshot({ id, volumeId, at, status, metadata: { 'x-snapsentry-snapshot-managed': 'true', 'x-snapsentry-snapshot-policy-type': policy } })

const volumes: VolumeRef[] = [
  // two volumes of one server: one group
  aVolume({ id: 'vol-a1', name: 'web-root', serverIds: ['srv-1'], metadata: theirs('daily', { 'start-time': '02:30', timezone: 'Europe/Berlin', 'retention-days': '3' }) }),
  aVolume({ id: 'vol-a2', name: 'web-data', serverIds: ['srv-1'], metadata: ours('express', { timezone: 'Europe/Berlin', 'keep-count': '4' }) }),
  // multi-attached: its own group
  aVolume({ id: 'vol-m', name: 'shared', serverIds: ['srv-1', 'srv-2'], metadata: theirs('weekly', { 'start-day-of-week': 'sun', 'start-time': '01:00' }) }),
  // detached, with a bad daily and a good monthly policy
  aVolume({ id: 'vol-d', name: 'archive', metadata: { ...theirs('daily', { 'start-time': '25:00' }), ...ours('monthly', { 'day-of-month': '15', 'keep-monthly': '2' }) } }),
  // a volume in error cannot be snapshotted
  aVolume({ id: 'vol-e', name: 'broken', status: 'error', metadata: theirs('daily') }),
  // another project, no policies at all
  aVolume({ id: 'vol-p2', projectId: 'proj-b', name: 'plain', metadata: {} }),
]

const snapshots: SnapshotRecord[] = [
  // vol-a1 (SnapSentry daily 02:30 Berlin, 3 days): SnapSentry-made history + one of ours covering today's window
  ourSnap('a1-today', 'vol-a1', 'daily', 'daily/2026-03-29T03:00+02:00[Europe/Berlin]', '2026-03-29T01:02:00Z'),
  ssSnap('a1-ss-27', 'vol-a1', 'daily', '2026-03-27T01:31:00Z'),
  ssSnap('a1-ss-20', 'vol-a1', 'daily', '2026-03-20T01:31:00Z'),
  aSnapshot({ id: 'a1-manual', volumeId: 'vol-a1', at: '2026-01-01T00:00:00Z', name: 'by hand' }),
  // vol-a2 (express 6h Berlin, keep 4): the current slot's snapshot failed 2h ago → create again, not yet healed; an older stuck one heals
  ourSnap('a2-err', 'vol-a2', 'express', 'express/2026-03-29T12:00+02:00[Europe/Berlin]', '2026-03-29T10:01:00Z', 'error'),
  ourSnap('a2-1', 'vol-a2', 'express', 'express/2026-03-29T00:00+01:00[Europe/Berlin]', '2026-03-28T23:01:00Z'),
  ourSnap('a2-2', 'vol-a2', 'express', 'express/2026-03-28T18:00+01:00[Europe/Berlin]', '2026-03-28T17:01:00Z'),
  ourSnap('a2-3', 'vol-a2', 'express', 'express/2026-03-28T12:00+01:00[Europe/Berlin]', '2026-03-28T11:01:00Z'),
  ourSnap('a2-4', 'vol-a2', 'express', 'express/2026-03-28T06:00+01:00[Europe/Berlin]', '2026-03-28T05:01:00Z'),
  ourSnap('a2-5', 'vol-a2', 'express', 'express/2026-03-28T00:00+01:00[Europe/Berlin]', '2026-03-27T23:01:00Z'),
  ourSnap('a2-stuck', 'vol-a2', 'express', 'express/2026-03-27T18:00+01:00[Europe/Berlin]', '2026-03-27T17:01:00Z', 'creating'),
  // vol-m (weekly Sunday 01:00 UTC): a snapshot still creating in the current window counts as taken
  ourSnap('m-now', 'vol-m', 'weekly', 'weekly/2026-03-29T01:00+00:00[UTC]', '2026-03-29T11:50:00Z', 'creating'),
  ourSnap('m-old', 'vol-m', 'weekly', 'weekly/2026-03-08T01:00+00:00[UTC]', '2026-03-08T01:01:00Z'),
  // vol-d: a snapshot of a policy that is now invalid is kept; one of monthly deletes stuck in error_deleting
  ourSnap('d-daily', 'vol-d', 'daily', 'daily/2026-03-01T02:00+00:00[UTC]', '2026-03-01T02:01:00Z'),
  ourSnap('d-m-feb', 'vol-d', 'monthly', 'monthly/2026-02-15T00:00+00:00[UTC]', '2026-02-15T00:01:00Z'),
  ourSnap('d-m-jan', 'vol-d', 'monthly', 'monthly/2026-01-15T00:00+00:00[UTC]', '2026-01-15T00:01:00Z'),
  ourSnap('d-m-dec', 'vol-d', 'monthly', 'monthly/2025-12-15T00:00+00:00[UTC]', '2025-12-15T00:01:00Z', 'error_deleting', { updatedAt: new Date('2026-03-29T11:30:00Z') }),
  ourSnap('d-m-nov', 'vol-d', 'monthly', 'monthly/2025-11-15T00:00+00:00[UTC]', '2025-11-15T00:01:00Z'),
  // a managed snapshot whose volume is gone, stuck in error: healed
  ssSnap('orphan', 'vol-gone', 'daily', '2026-03-01T00:00:00Z', 'error'),
  // unmanaged snapshots in error are never touched
  aSnapshot({ id: 'foreign-err', volumeId: 'vol-p2', projectId: 'proj-b', at: '2026-03-01T00:00:00Z', status: 'error' }),
]

const input = (mode: SnapshotPlanMode, over: Partial<SnapshotPlanInput> = {}): SnapshotPlanInput => ({
  volumes,
  snapshots,
  now: NOW,
  settings: { mode, stuckAfterMs: 2 * HOUR },
  ...over,
})

const summary = (items: readonly SnapshotPlanItem[]) =>
  items.map((i) => `${i.action} ${i.volumeId} ${i.policy ?? '-'} ${'snapshotId' in i ? i.snapshotId : ''}${i.action === 'delete' ? ` (${i.purpose})` : ''}`.trim())

describe('buildSnapshotPlan: golden plans', () => {
  for (const mode of ['all', 'create', 'expire'] as const) {
    test(`mode ${mode} over a mixed inventory on the Berlin spring-forward day matches golden`, () => {
      const plan = buildSnapshotPlan(input(mode))
      golden(`snapshot-plan-${mode}`, { now: NOW, mode, items: plan.items, problems: plan.problems })
    })
  }
})

describe('buildSnapshotPlan: rules', () => {
  const plan = buildSnapshotPlan(input('all'))
  const lines = summary(plan.items)

  test('a snapshot covering the current window (available or creating) means skip, an errored one does not', () => {
    assert.ok(lines.includes('skip vol-a1 daily'))
    assert.ok(lines.includes('skip vol-m weekly'))
    assert.ok(lines.includes('create vol-a2 express'))
  })

  test('creates are grouped by server for singly attached volumes, by volume otherwise', () => {
    const groups = plan.items.filter((i): i is CreateSnapshotItem => i.action === 'create').map((i) => [i.volumeId, i.group])
    assert.deepEqual(groups, [
      ['vol-a2', 'srv-1'],
      ['vol-d', 'volume:vol-d'],
    ])
    assert.equal(groupOf(volumes[2]!), 'volume:vol-m')
  })

  test('a volume whose status forbids snapshots is skipped with the reason', () => {
    const skip = plan.items.find((i) => i.action === 'skip' && i.volumeId === 'vol-e')
    assert.deepEqual(skip?.reasons, ['volume status error cannot be snapshotted (window daily/2026-03-29T00:00+00:00[UTC])'])
  })

  test('managed snapshots stuck longer than the limit are healed, including orphans; recent or unmanaged ones are not', () => {
    const heals = plan.items.filter((i) => i.action === 'delete' && i.purpose === 'heal').map((i) => ('snapshotId' in i ? i.snapshotId : ''))
    assert.deepEqual(heals.sort(), ['a2-stuck', 'orphan'])
    assert.ok(!lines.some((l) => l.includes('foreign-err') || l.includes('a1-manual') || l.includes('m-now (heal)') || l.includes('d-m-dec (heal)') || l.includes('a2-err (heal)')))
  })

  test('every managed snapshot of a listed volume gets exactly one keep or delete item', () => {
    const touched = plan.items.filter((i) => i.action === 'keep' || i.action === 'delete').map((i) => ('snapshotId' in i ? i.snapshotId : ''))
    assert.equal(new Set(touched).size, touched.length)
    const managed = snapshots.filter((s) => !['a1-manual', 'foreign-err'].includes(s.id)).map((s) => s.id)
    assert.deepEqual([...touched].sort(), [...managed].sort())
  })

  test('problems name the volume and the policy is skipped while its other policy runs', () => {
    assert.deepEqual(plan.problems.map((p) => p.message), ['volume vol-d (archive): x-snapsentry-daily-start-time="25:00" is not a time; accepted: HH:MM, 00:00–23:59'])
    assert.ok(lines.includes('create vol-d monthly'))
    assert.ok(lines.includes('keep vol-d daily d-daily'))
  })

  test('mode create produces no keep/delete items and mode expire no create/skip items', () => {
    assert.ok(buildSnapshotPlan(input('create')).items.every((i) => i.action === 'create' || i.action === 'skip'))
    assert.ok(buildSnapshotPlan(input('expire')).items.every((i) => i.action === 'keep' || i.action === 'delete'))
  })

  test('planning again after the creates succeeded creates nothing (no duplicates on retry)', () => {
    const created = plan.items
      .filter((i): i is CreateSnapshotItem => i.action === 'create')
      .map((c, n) => aSnapshot({ id: `new-${n}`, volumeId: c.volumeId, status: 'creating', createdAt: NOW, metadata: c.metadata }))
    const again = buildSnapshotPlan(input('create', { snapshots: [...snapshots, ...created], now: new Date(NOW.getTime() + HOUR / 2) }))
    assert.deepEqual(again.items.filter((i) => i.action === 'create'), [])
  })

  test('the plan is the same whatever the order of the inventory', () => {
    const shuffled = buildSnapshotPlan(input('all', { volumes: [...volumes].reverse(), snapshots: [...snapshots].reverse() }))
    assert.deepEqual(shuffled, plan)
  })

  test('items are ordered by project, group, volume, policy', () => {
    const keys = plan.items.map((i) => i.projectId)
    assert.deepEqual(keys, [...keys].sort())
    assert.deepEqual([...new Set(plan.items.map((i) => i.volumeId))], ['vol-a1', 'vol-a2', 'vol-d', 'vol-e', 'vol-gone', 'vol-m'])
  })
})

describe('buildSnapshotPlan: a simulated DST day of ticks every 20 minutes', () => {
  const days: [string, string, string][] = [
    ['Europe/Berlin', '2026-03-29', 'spring-forward'],
    ['Europe/Berlin', '2026-10-25', 'fall-back'],
    ['America/New_York', '2026-11-01', 'fall-back'],
    ['Australia/Lord_Howe', '2026-10-04', 'spring-forward'],
    ['Asia/Kolkata', '2026-03-29', 'no DST'],
  ]
  for (const [zone, day, what] of days) {
    test(`${zone} ${day} (${what}): one snapshot per window, none missed, none doubled`, () => {
      const metadata = {
        ...ours('express', { timezone: zone, 'interval-hours': '6', 'keep-count': '100' }),
        ...ours('daily', { timezone: zone, 'start-time': '02:15', 'keep-count': '100' }),
      }
      const volume = aVolume({ id: 'vol-dst', metadata })
      const from = new Date(`${day}T00:00:00Z`).getTime() - 14 * HOUR
      const to = from + 48 * HOUR
      let taken: SnapshotRecord[] = []
      for (let ms = from, n = 0; ms < to; ms += 20 * 60_000, n++) {
        const plan = buildSnapshotPlan({ volumes: [volume], snapshots: taken, now: new Date(ms), settings: { mode: 'create', stuckAfterMs: HOUR } })
        for (const c of plan.items.filter((i): i is CreateSnapshotItem => i.action === 'create')) {
          taken = [...taken, aSnapshot({ id: `s${n}-${c.policy}`, volumeId: c.volumeId, createdAt: new Date(ms), metadata: c.metadata })]
        }
      }
      const keys = taken.map((s) => s.metadata['x-snapwarden-window']!)
      assert.equal(new Set(keys).size, keys.length, 'no window snapshotted twice')
      // Every window overlapping the 48 hours of ticks is taken exactly once.
      for (const p of parseSnapshotPolicies(volume).policies) {
        const expected = windowsBetween(p.schedule, new Date(from), new Date(to)).map((w) => w.key)
        assert.deepEqual(keys.filter((k) => k.startsWith(`${p.name}/`)), expected)
      }
      for (let i = 1; i < taken.length; i++) assert.ok(taken[i]!.createdAt >= taken[i - 1]!.createdAt)
    })
  }
})

describe('buildSnapshotPlan: an unknown key under our prefixes holds expiry', () => {
  const now = new Date('2026-03-20T12:00:00Z')
  const daily = (d: number) => ourSnap(`d-${d}`, 'vol-u', 'daily', `daily/2026-03-${String(d).padStart(2, '0')}T00:00+00:00[UTC]`, `2026-03-${String(d).padStart(2, '0')}T00:01:00Z`)
  const weekly = (d: number) => ourSnap(`w-${d}`, 'vol-u', 'weekly', `weekly/2026-03-${String(d).padStart(2, '0')}T00:00+00:00[UTC]`, `2026-03-${String(d).padStart(2, '0')}T00:01:00Z`)
  // daily with SnapSentry's default retention (2 days) and a weekly keeping 1; today's daily window is not yet covered
  const history = [daily(19), daily(18), daily(17), daily(10), weekly(15), weekly(8), weekly(1)]
  const planWith = (extra: Record<string, string>) =>
    buildSnapshotPlan({
      volumes: [aVolume({ id: 'vol-u', name: 'typo', metadata: { ...theirs('daily'), ...ours('weekly', { 'keep-count': '1' }), ...extra } })],
      snapshots: history,
      now,
      settings: { mode: 'all', stuckAfterMs: 2 * HOUR },
    })
  const deletes = (p: ReturnType<typeof planWith>) => summary(p.items).filter((l) => l.startsWith('delete'))

  test('a misspelt daily key: no daily snapshot is deleted, the daily create goes on, weekly expires as usual, the problem names the key', () => {
    const plan = planWith({ 'x-snapwarden-daily-retention': '7' })
    assert.deepEqual(deletes(plan), ['delete vol-u weekly w-8 (expire)', 'delete vol-u weekly w-1 (expire)'])
    assert.ok(summary(plan.items).includes('create vol-u daily'))
    assert.deepEqual(plan.problems.map((p) => [p.volumeId, p.policy, p.key, p.value]), [['vol-u', 'daily', 'x-snapwarden-daily-retention', '7']])
    assert.match(plan.problems[0]!.message, /did you mean x-snapwarden-daily-retention-days\?/)
    const held = plan.items.find((i) => i.action === 'keep' && i.snapshotId === 'd-10')
    assert.deepEqual(held?.reasons, ['expiry held: unknown key x-snapwarden-daily-retention on the volume', 'otherwise expired: older than 2 days'])
  })

  test('a key that names no policy holds every policy of the volume', () => {
    const plan = planWith({ 'x-snapwarden-retention-days': '7' })
    assert.deepEqual(deletes(plan), [])
    assert.ok(summary(plan.items).includes('create vol-u daily'))
    assert.equal(plan.problems[0]?.policy, undefined)
  })

  test('once the key is fixed, expiry resumes; a key outside our prefixes never held it', () => {
    const expected = ['delete vol-u daily d-18 (expire)', 'delete vol-u daily d-17 (expire)', 'delete vol-u daily d-10 (expire)', 'delete vol-u weekly w-8 (expire)', 'delete vol-u weekly w-1 (expire)']
    assert.deepEqual(deletes(planWith({ 'x-snapwarden-daily-retention-days': '2' })), expected)
    const plain = planWith({ 'x-snapwarden_daily_retention': '7', 'backup-owner': 'team-a' })
    assert.deepEqual([deletes(plain), plain.problems], [expected, []])
  })
})
