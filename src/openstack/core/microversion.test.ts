import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { compareMicroversions, negotiateMicroversion } from './microversion.ts'

describe('microversions', () => {
  test('compare numerically, so 3.7 is below 3.43', () => {
    assert.ok(compareMicroversions('3.7', '3.43') < 0)
    assert.equal(compareMicroversions('2.93', '2.93'), 0)
  })

  test('negotiation picks the highest version both sides support', () => {
    const cinder = { id: 'v3.0', status: 'CURRENT', version: '3.70', minVersion: '3.0' }
    assert.equal(negotiateMicroversion(cinder, { min: '3.0', max: '3.70' }), '3.70')
    assert.equal(negotiateMicroversion(cinder, { min: '3.0', max: '3.43' }), '3.43')
    const nova = { id: 'v2.1', status: 'CURRENT', version: '2.93', minVersion: '2.1' }
    assert.equal(negotiateMicroversion(nova, { min: '2.1', max: '2.96' }), '2.93')
  })

  test('no overlap or no microversions gives none', () => {
    assert.equal(negotiateMicroversion({ id: 'v3.0', status: 'CURRENT', version: '3.70', minVersion: '3.60' }, { min: '3.0', max: '3.50' }), undefined)
    assert.equal(negotiateMicroversion({ id: 'v2.0', status: 'SUPPORTED', version: '', minVersion: '' }, { min: '2.1', max: '2.96' }), undefined)
  })
})
