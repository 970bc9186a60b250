import assert from 'node:assert/strict'
import { test } from 'node:test'
import { minimumPollRounds, pagesFor } from './lower-bound.ts'

const pace = { inFlight: 16, latencyMs: 20, settleMs: 0, intervalMs: 5000, pageSize: 1000 }

test('no artefacts need no poll round; artefacts settled at once need one round per interval of sending', () => {
  assert.deepEqual(minimumPollRounds({ ...pace, count: 0 }), { rounds: 0, pages: 0, spanMs: 0 })
  const r = minimumPollRounds({ ...pace, count: 8000 }) // 500 batches × 20 ms = 10 s of sending
  assert.equal(r.spanMs, 10_000)
  assert.equal(r.rounds, 2)
  assert.equal(r.pages, 2)
})

test('a round lists what is still in flight: more than a page of creating artefacts costs more pages', () => {
  const r = minimumPollRounds({ ...pace, count: 3200, settleMs: 12_000 }) // sent within 4 s, each creating 12 s
  assert.equal(r.rounds, 4) // 16 s
  // at 5 s and 10 s all 3,200 are creating (4 pages each); at 15 s those sent after 3 s (1 page); at 20 s none (1 page)
  assert.equal(r.pages, 4 + 4 + 1 + 1)
  assert.equal(pagesFor(0, 1000), 1)
})
