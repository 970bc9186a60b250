import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { SnapshotRecord } from '../domain/inventory.ts'
import type { SnapshotPlanItem } from '../domain/plan.ts'
import { compareSurvivors } from '../domain/window-survivor.ts'
import { buildSnapshotPlan, type SnapshotPlanMode } from './snapshot-plan.ts'
import { aSnapshot, aVolume, ours, theirs, VOLUME_ID } from './testing/builders.ts'

const NOW = new Date('2026-03-10T12:00:00Z')
const TODAY = 'daily/2026-03-10T00:00+00:00[UTC]'
const YESTERDAY = 'daily/2026-03-09T00:00+00:00[UTC]'
const volume = aVolume({ metadata: ours('daily', { 'start-time': '00:00', timezone: 'UTC', 'retention-days': '7' }) })

const snap = (id: string, windowKey: string, at: string, status = 'available'): SnapshotRecord =>
  aSnapshot({ id, at, status, metadata: { 'x-snapwarden-managed': 'true', 'x-snapwarden-policy': 'daily', 'x-snapwarden-window': windowKey } })

function plan(snapshots: readonly SnapshotRecord[], mode: SnapshotPlanMode = 'all'): SnapshotPlanItem[] {
  return buildSnapshotPlan({ volumes: [volume], snapshots, now: NOW, settings: { mode, stuckAfterMs: 24 * 3600_000 } }).items
}
const deletes = (items: readonly SnapshotPlanItem[]) =>
  items.flatMap((i) => (i.action === 'delete' ? [{ id: i.snapshotId, purpose: i.purpose, windowKey: i.windowKey }] : []))
const creates = (items: readonly SnapshotPlanItem[]) => items.filter((i) => i.action === 'create').length
const reasonsOf = (items: readonly SnapshotPlanItem[], id: string) =>
  items.filter((i) => 'snapshotId' in i && i.snapshotId === id).flatMap((i) => i.reasons).join('; ')

describe('the survivor of a window', () => {
  test('an available snapshot survives next to an error one of the same window, whichever is older', () => {
    for (const [errAt, okAt] of [['2026-03-10T01:00:00Z', '2026-03-10T02:00:00Z'], ['2026-03-10T02:00:00Z', '2026-03-10T01:00:00Z']]) {
      const items = plan([snap('err', TODAY, errAt!, 'error'), snap('ok', TODAY, okAt!)])
      assert.deepEqual(deletes(items), [{ id: 'err', purpose: 'duplicate', windowKey: TODAY }], JSON.stringify(items))
      assert.equal(creates(items), 0, 'the available snapshot covers the window')
      assert.match(reasonsOf(items, 'err'), /duplicate in window .*: ok \(available\) holds it/)
    }
  })

  test('a creating snapshot also wins over an older error one, and the error one is deleted', () => {
    const items = plan([snap('err', TODAY, '2026-03-10T01:00:00Z', 'error'), snap('new', TODAY, '2026-03-10T02:00:00Z', 'creating')])
    assert.deepEqual(deletes(items), [{ id: 'err', purpose: 'duplicate', windowKey: TODAY }])
    assert.equal(creates(items), 0)
  })

  test('an error snapshot alone does not take the window: a create is planned and the error one is not a duplicate', () => {
    const items = plan([snap('err', TODAY, '2026-03-10T01:00:00Z', 'error')], 'create')
    assert.equal(creates(items), 1)
    assert.deepEqual(deletes(items), [])
  })

  test('two available snapshots created in the same second: the smaller id survives, in every run, and the other is deleted', () => {
    const a = snap('aaa', TODAY, '2026-03-10T00:00:05Z')
    const b = snap('bbb', TODAY, '2026-03-10T00:00:05Z')
    for (const order of [[a, b], [b, a]]) {
      for (const mode of ['create', 'expire', 'all'] as const) {
        assert.deepEqual(deletes(plan(order, mode)), [{ id: 'bbb', purpose: 'duplicate', windowKey: TODAY }], `${mode} ${order.map((s) => s.id)}`)
      }
    }
  })

  test('the older snapshot survives in a past window too, and retention does not count the duplicate', () => {
    const items = plan([snap('old', YESTERDAY, '2026-03-09T00:00:03Z'), snap('late', YESTERDAY, '2026-03-09T00:04:00Z'), snap('t', TODAY, '2026-03-10T00:00:01Z')])
    assert.deepEqual(deletes(items), [{ id: 'late', purpose: 'duplicate', windowKey: YESTERDAY }])
    assert.ok(!items.some((i) => i.action === 'keep' && i.snapshotId === 'late'), 'the duplicate is not also kept by retention')
  })

  test('a duplicate is left for a later run while it or the survivor is still creating', () => {
    const survivorCreating = plan([snap('first', TODAY, '2026-03-10T00:00:01Z', 'creating'), snap('second', TODAY, '2026-03-10T00:00:02Z')])
    assert.deepEqual(deletes(survivorCreating), [])
    assert.match(reasonsOf(survivorCreating, 'second'), /deleted once first is available/)
    const dupCreating = plan([snap('first', TODAY, '2026-03-10T00:00:01Z'), snap('second', TODAY, '2026-03-10T00:00:02Z', 'creating')])
    assert.deepEqual(deletes(dupCreating), [])
    assert.match(reasonsOf(dupCreating, 'second'), /second is creating, deleted once it is available or error/)
  })

  test('snapshots being deleted or in error_deleting are no duplicates (healing deals with them)', () => {
    const items = plan([snap('ok', TODAY, '2026-03-10T00:00:01Z'), snap('going', TODAY, '2026-03-10T00:00:00Z', 'deleting'), snap('stuck', TODAY, '2026-03-10T11:00:00Z', 'error_deleting')])
    assert.deepEqual(deletes(items), [])
  })

  test("SnapSentry's snapshots carry no window key and are never deleted as duplicates", () => {
    const ss = aVolume({ metadata: theirs('daily') })
    const made = (id: string, at: string) => aSnapshot({ id, at, volumeId: VOLUME_ID, metadata: { 'x-snapsentry-snapshot-managed': 'true', 'x-snapsentry-snapshot-policy-type': 'daily' } })
    const items = buildSnapshotPlan({ volumes: [ss], snapshots: [made('s1', '2026-03-10T00:01:00Z'), made('s2', '2026-03-10T00:02:00Z')], now: NOW, settings: { mode: 'all', stuckAfterMs: 7200_000 } }).items
    assert.deepEqual(deletes(items), [])
  })

  test('the order is healthy first, then created_at, then id', () => {
    const list = [snap('c', TODAY, '2026-03-10T00:00:01Z'), snap('e', TODAY, '2026-03-10T00:00:00Z', 'error'), snap('b', TODAY, '2026-03-10T00:00:01Z', 'creating'), snap('a', TODAY, '2026-03-10T00:00:02Z')]
    assert.deepEqual([...list].sort(compareSurvivors).map((s) => s.id), ['b', 'c', 'a', 'e'])
  })
})
