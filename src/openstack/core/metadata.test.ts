import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { metadataSharing, stringSharing } from './metadata.ts'

describe('metadataSharing', () => {
  test('metadata with the same pairs as the last is that object (frozen); other pairs are a new one', () => {
    const share = metadataSharing()
    const first = share({ 'x-snapwarden-window': 'w1', 'x-snapwarden-policy': 'daily' })
    assert.ok(Object.isFrozen(first))
    assert.equal(share({ 'x-snapwarden-policy': 'daily', 'x-snapwarden-window': 'w1' }), first)
    const other = { 'x-snapwarden-window': 'w2', 'x-snapwarden-policy': 'daily' }
    assert.equal(share(other), other)
    assert.deepEqual(share({ 'x-snapwarden-window': 'w2' }), { 'x-snapwarden-window': 'w2' })
    assert.deepEqual(share({ 'x-snapwarden-window': 'w2', 'x-snapwarden-policy': 'daily', extra: '' }), {
      'x-snapwarden-window': 'w2',
      'x-snapwarden-policy': 'daily',
      extra: '',
    })
    assert.deepEqual(share({}), {})
  })
})

describe('stringSharing', () => {
  test('gives back each value unchanged, past its bound too', () => {
    const share = stringSharing(2)
    for (const v of ['p1', 'p2', 'p1', 'p3', 'p4', 'p1', 'p4']) assert.equal(share(`${v}`), v)
  })
})
