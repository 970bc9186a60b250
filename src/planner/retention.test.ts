import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import type { SnapshotRecord } from '../domain/inventory.ts'
import type { Retention, SnapshotPolicy } from '../domain/policy.ts'
import { applySnapshotRetention } from './retention.ts'
import { tiersSum } from './retention-tiers.ts'
import { snapshotMetadata } from './snapshot-metadata.ts'
import { windowAt } from './schedule.ts'
import { aDailyPolicy, aSnapshot } from './testing/builders.ts'

const NOW = new Date('2026-03-30T09:00:00Z')

/** One daily snapshot per day at 02:05 UTC for 70 days, plus a few extra same-day ones (restic-style fixed list). */
const history: SnapshotRecord[] = (() => {
  const out: SnapshotRecord[] = []
  const policy = aDailyPolicy()
  for (let i = 0; i < 70; i++) {
    const at = new Date(Date.UTC(2026, 0, 20, 2, 5) + i * 86_400_000)
    out.push(aSnapshot({ id: `d${String(i).padStart(2, '0')}`, createdAt: at, metadata: snapshotMetadata(policy, windowAt(policy.schedule, at)) }))
  }
  for (const [id, iso] of [['x1', '2026-03-15T14:00:00Z'], ['x2', '2026-03-28T23:30:00Z'], ['x3', '2026-02-28T23:59:00Z']] as const) {
    out.push(aSnapshot({ id, createdAt: new Date(iso), metadata: snapshotMetadata(policy, windowAt(policy.schedule, new Date(iso))) }))
  }
  return out
})()

const retentions: Retention[] = [
  { maxAgeDays: 2, timezone: 'UTC' },
  { maxAgeDays: 14, timezone: 'UTC' },
  { keepCount: 1, timezone: 'UTC' },
  { keepCount: 5, timezone: 'UTC' },
  { tiers: { last: 3 }, timezone: 'UTC' },
  { tiers: { daily: 7 }, timezone: 'UTC' },
  { tiers: { daily: 7, weekly: 4 }, timezone: 'UTC' },
  { tiers: { daily: 7, weekly: 4, monthly: 3 }, timezone: 'UTC' },
  { tiers: { weekly: 2 }, timezone: 'Australia/Lord_Howe' },
  { tiers: { monthly: 12, yearly: 2 }, timezone: 'America/New_York' },
  { tiers: { hourly: 5, daily: 2 }, timezone: 'Asia/Kolkata' },
  { maxAgeDays: 3, keepCount: 2, tiers: { weekly: 3 }, timezone: 'Europe/Berlin' },
  { timezone: 'UTC' },
]

const policyWith = (retention: Retention): SnapshotPolicy => aDailyPolicy({ retention })

function golden(name: string, actual: unknown): void {
  const file = new URL(`./testdata/${name}.json`, import.meta.url)
  const text = `${JSON.stringify(actual, null, 2)}\n`
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, text)
  assert.ok(existsSync(file), `golden ${name} is missing: run with UPDATE_GOLDEN=1 and review it`)
  assert.deepEqual(JSON.parse(text), JSON.parse(readFileSync(file, 'utf8')), `golden ${name} differs (UPDATE_GOLDEN=1 rewrites it)`)
}

describe('applySnapshotRetention over a fixed history', () => {
  retentions.forEach((retention, i) => {
    test(`retention ${i} ${JSON.stringify(retention)} keeps + removes every input, one reason list per kept snapshot, matches golden`, () => {
      const input = [...history].reverse()
      const before = [...input]
      const { keep, remove } = applySnapshotRetention(input, policyWith(retention), NOW)
      assert.deepEqual(input, before, 'input not mutated')
      assert.equal(keep.length + remove.length, history.length)
      assert.equal(new Set([...keep, ...remove].map((v) => v.snapshot.id)).size, history.length)
      for (const k of keep) assert.ok(k.reasons.length > 0, k.snapshot.id)
      if (retention.tiers && !retention.maxAgeDays && retention.keepCount === undefined) {
        assert.ok(keep.length <= Math.max(1, tiersSum(retention.tiers)))
      }
      golden(`retention-${String(i).padStart(2, '0')}`, {
        retention,
        now: NOW,
        keep: keep.map((k) => ({ id: k.snapshot.id, createdAt: k.snapshot.createdAt, reasons: k.reasons })),
        remove: remove.map((r) => ({ id: r.snapshot.id, reasons: r.reasons })),
      })
    })
  })
})

describe('retention safety rules', () => {
  test('the snapshot of the current window is never removed, even when the rules would drop it', () => {
    const policy = policyWith({ keepCount: 1, timezone: 'UTC' })
    const cur = windowAt(policy.schedule, NOW)
    const inWindow = aSnapshot({ id: 'cur', createdAt: new Date('2026-03-30T02:01:00Z'), metadata: snapshotMetadata(policy, cur) })
    const newer = aSnapshot({ id: 'newer', createdAt: new Date('2026-03-30T08:00:00Z') })
    const { keep, remove } = applySnapshotRetention([inWindow, newer], policy, NOW)
    assert.deepEqual(keep.map((k) => k.snapshot.id).sort(), ['cur', 'newer'])
    assert.deepEqual(keep.find((k) => k.snapshot.id === 'cur')!.reasons, [`in the current window ${cur.key}`])
    assert.deepEqual(remove, [])
  })

  test('the last available snapshot is never removed, even when all are older than the age rule', () => {
    const old = [aSnapshot({ id: 'a', at: '2026-01-01T00:00:00Z' }), aSnapshot({ id: 'b', at: '2026-01-02T00:00:00Z' })]
    const { keep, remove } = applySnapshotRetention(old, policyWith({ maxAgeDays: 2, timezone: 'UTC' }), NOW)
    assert.deepEqual(keep.map((k) => [k.snapshot.id, k.reasons]), [['b', ['last available snapshot of the policy (never removed)']]])
    assert.deepEqual(remove.map((r) => [r.snapshot.id, r.reasons]), [['a', ['expired: older than 2 days']]])
  })

  test('a snapshot held with x-snapwarden-hold is never expired', () => {
    const old = [
      aSnapshot({ id: 'held', at: '2026-01-01T00:00:00Z', metadata: { 'x-snapwarden-hold': 'True' } }),
      aSnapshot({ id: 'a', at: '2026-01-02T00:00:00Z' }),
      aSnapshot({ id: 'b', at: '2026-01-03T00:00:00Z' }),
    ]
    const { keep, remove } = applySnapshotRetention(old, policyWith({ maxAgeDays: 2, timezone: 'UTC' }), NOW)
    assert.deepEqual(keep.map((k) => k.snapshot.id).sort(), ['b', 'held'])
    assert.match(keep.find((k) => k.snapshot.id === 'held')!.reasons.join('; '), /x-snapwarden-hold is set/)
    assert.deepEqual(remove.map((r) => r.snapshot.id), ['a'])
  })

  test('only available snapshots count toward keep-count; others are kept for healing', () => {
    const list = [
      aSnapshot({ id: 'err', status: 'error', at: '2026-03-29T10:00:00Z' }),
      aSnapshot({ id: 'creating', status: 'creating', at: '2026-03-29T09:00:00Z' }),
      aSnapshot({ id: 'ok1', at: '2026-03-28T10:00:00Z' }),
      aSnapshot({ id: 'ok2', at: '2026-03-27T10:00:00Z' }),
    ]
    const { keep, remove } = applySnapshotRetention(list, policyWith({ keepCount: 1, timezone: 'UTC' }), NOW)
    assert.deepEqual(
      keep.map((k) => [k.snapshot.id, k.reasons]),
      [
        ['err', ['status error: not counted, left to healing']],
        ['creating', ['status creating: not counted, left to healing']],
        ['ok1', ['newest 1 (1/1)']],
      ],
    )
    assert.deepEqual(remove.map((r) => r.snapshot.id), ['ok2'])
  })

  test('a SnapSentry expiry-date in the future keeps a snapshot the age rule would drop', () => {
    const ss = aSnapshot({
      id: 'ss',
      at: '2026-03-01T00:00:00Z',
      metadata: { 'x-snapsentry-snapshot-managed': 'true', 'x-snapsentry-snapshot-policy-type': 'daily', 'x-snapsentry-snapshot-expiry-date': '2026-04-01T00:00:00Z' },
    })
    const newest = aSnapshot({ id: 'new', at: '2026-03-30T03:00:00Z' })
    const { keep } = applySnapshotRetention([ss, newest], policyWith({ maxAgeDays: 2, timezone: 'UTC' }), NOW)
    assert.deepEqual(keep.find((k) => k.snapshot.id === 'ss')?.reasons, ['SnapSentry expiry-date 2026-04-01T00:00:00Z not reached'])
  })

  test('the age rule counts calendar days in the zone, from the window start', () => {
    const policy = aDailyPolicy({
      schedule: { kind: 'daily', timezone: 'Europe/Berlin', startTime: { hour: 2, minute: 30 } },
      retention: { maxAgeDays: 1, timezone: 'Europe/Berlin' },
    })
    // Window start 2026-03-28 02:30+01:00; one calendar day later is 02:30 on the 29th, inside the gap,
    // which Temporal's add() resolves forward to 03:30+02:00 = 01:30Z (not 24 hours = 01:30Z+1h).
    const w = windowAt(policy.schedule, new Date('2026-03-28T12:00:00Z'))
    const s = aSnapshot({ id: 's', createdAt: new Date('2026-03-28T01:40:00Z'), metadata: snapshotMetadata(policy, w) })
    const keepAt = (iso: string) => applySnapshotRetention([s, aSnapshot({ id: 'n', at: '2026-03-29T05:00:00Z' })], policy, new Date(iso)).keep.some((k) => k.snapshot.id === 's')
    assert.equal(keepAt('2026-03-29T01:29:00Z'), true)
    assert.equal(keepAt('2026-03-29T01:31:00Z'), false)
  })
})
