import assert from 'node:assert/strict'
import { test } from 'node:test'
import { findEndpoint, type CatalogEntry } from './catalog.ts'
import { NoEndpointError } from './errors.ts'

const ep = (iface: string, region: string, url: string) => ({ id: `${iface}-${region}`, interface: iface, region, url })
const CATALOG: CatalogEntry[] = [
  { id: 'c', type: 'block-storage', name: 'cinderv3', endpoints: [ep('public', 'RegionOne', 'https://one/v3'), ep('public', 'RegionThree', 'https://three/v3')] },
  { id: 'n', type: 'compute', name: 'nova', endpoints: [ep('public', 'RegionTwo', 'https://two/v2.1')] },
]

test('an endpoint missing in the region names the region and the regions that have one for the service', () => {
  assert.equal(findEndpoint(CATALOG, { types: ['block-storage'], region: 'RegionThree' }), 'https://three/v3')
  assert.throws(
    () => findEndpoint(CATALOG, { types: ['block-storage', 'volumev3'], region: 'RegionTwo' }),
    (e: unknown) =>
      e instanceof NoEndpointError &&
      e.message === 'no public endpoint for service type block-storage or volumev3 in region RegionTwo (regions with one: RegionOne, RegionThree) in the catalog',
  )
  assert.throws(() => findEndpoint(CATALOG, { types: ['compute'], interface: 'internal', region: 'RegionTwo' }), /in region RegionTwo \(regions with one: none\)/)
})
