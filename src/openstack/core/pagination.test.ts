import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { collect, FakeServer, fakeServiceClient } from '../testhelper/fake-server.ts'
import { paginate } from './pagination.ts'
import type { ServiceClient } from './service-client.ts'

let server: FakeServer
let client: ServiceClient
let close: () => Promise<void>

before(async () => {
  server = await FakeServer.start()
  ;({ client, close } = fakeServiceClient(server, '/v3/p', { serviceType: 'block-storage' }))
})
after(async () => {
  await close()
  await server.close()
})

describe('paginate', () => {
  test('follows marker pages until a page has no next link', async () => {
    server.on('GET /v3/p/items', (req) => {
      const marker = Number(req.query.get('marker') ?? '0')
      const next = marker < 4 ? [{ rel: 'next', href: `${server.url}/v3/p/items?marker=${marker + 2}` }] : []
      return { body: { items: [{ n: marker + 1 }, { n: marker + 2 }], items_links: next } }
    })
    const got = await collect(paginate(client, client.url('items'), { itemsKey: 'items', parse: (b) => (b as { n: number }).n }))
    assert.deepEqual(got, [1, 2, 3, 4, 5, 6])
  })

  test('stops when a next link repeats the page it is on', async () => {
    server.on('GET /v3/p/loop', () => ({ body: { loop: [1], loop_links: [{ rel: 'next', href: `${server.url}/v3/p/loop` }] } }))
    const got = await collect(paginate(client, `${server.url}/v3/p/loop`, { itemsKey: 'loop', parse: (b) => b }))
    assert.deepEqual(got, [1])
  })
})
