import assert from 'node:assert/strict'
import { getEventListeners } from 'node:events'
import { describe, test } from 'node:test'
import { watchAbort } from './abort-watch.ts'

describe('watchAbort', () => {
  test('fifty watches hold one listener on the signal, and an abort calls each live one once', () => {
    const ac = new AbortController()
    const calls: number[] = []
    const stops = Array.from({ length: 50 }, (_, i) => watchAbort(ac.signal, () => calls.push(i)))
    assert.equal(getEventListeners(ac.signal, 'abort').length, 1)
    stops[7]!()
    stops[7]!()
    ac.abort()
    assert.deepEqual(calls, Array.from({ length: 50 }, (_, i) => i).filter((i) => i !== 7))
    assert.equal(getEventListeners(ac.signal, 'abort').length, 0)
  })

  test('the listener goes once the last watch stops, and a new watch adds it again', () => {
    const ac = new AbortController()
    const a = watchAbort(ac.signal, () => assert.fail('stopped'))
    const b = watchAbort(ac.signal, () => assert.fail('stopped'))
    a()
    assert.equal(getEventListeners(ac.signal, 'abort').length, 1)
    b()
    assert.equal(getEventListeners(ac.signal, 'abort').length, 0)
    let fired = 0
    watchAbort(ac.signal, () => fired++)
    assert.equal(getEventListeners(ac.signal, 'abort').length, 1)
    ac.abort()
    assert.equal(fired, 1)
  })

  test('the same callback watched twice is called twice, and stopped once each', () => {
    const ac = new AbortController()
    let fired = 0
    const cb = (): void => {
      fired++
    }
    const first = watchAbort(ac.signal, cb)
    watchAbort(ac.signal, cb)
    first()
    ac.abort()
    assert.equal(fired, 1)
  })
})
