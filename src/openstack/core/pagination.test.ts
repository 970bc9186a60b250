import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { collect, FakeServer, fakeServiceClient } from '../testhelper/fake-server.ts'
import { paginate, paginatePages } from './pagination.ts'
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

  test('paginatePages: the same pages as arrays of parsed items', async () => {
    server.on('GET /v3/p/paged', (req) => {
      const marker = Number(req.query.get('marker') ?? '0')
      const next = marker < 4 ? [{ rel: 'next', href: `${server.url}/v3/p/paged?marker=${marker + 2}` }] : []
      return { body: { paged: [{ n: marker + 1 }, { n: marker + 2 }], paged_links: next } }
    })
    const got = await collect(paginatePages(client, client.url('paged'), { itemsKey: 'paged', parse: (b) => (b as { n: number }).n }))
    assert.deepEqual(got, [[1, 2], [3, 4], [5, 6]])
  })

  test('skip: items left out unparsed; a page whose items were all skipped is still followed', async () => {
    server.on('GET /v3/p/skipping', (req) => {
      const marker = Number(req.query.get('marker') ?? '0')
      const next = marker < 4 ? [{ rel: 'next', href: `${server.url}/v3/p/skipping?marker=${marker + 2}` }] : []
      return { body: { skipping: [{ n: marker + 1 }, { n: marker + 2 }], skipping_links: next } }
    })
    const parsed: number[] = []
    const parse = (b: unknown): number => {
      parsed.push((b as { n: number }).n)
      return (b as { n: number }).n
    }
    // Page 2 (3, 4) is skipped whole; the listing goes on to page 3.
    const skip = (b: unknown): boolean => [2, 3, 4].includes((b as { n: number }).n)
    assert.deepEqual(await collect(paginate(client, client.url('skipping'), { itemsKey: 'skipping', parse, skip })), [1, 5, 6])
    assert.deepEqual(parsed, [1, 5, 6])
    assert.deepEqual(await collect(paginatePages(client, client.url('skipping'), { itemsKey: 'skipping', parse, skip })), [[1], [], [5, 6]])
  })
})

/**
 * What a listing holds while it reads the next page (a 100k-volume listing must not keep the last
 * page's answer besides what the caller kept): the server checks, while the second page is asked
 * for, whether objects of the first page can still be reached, after a full garbage collection.
 */
describe('a listing reading its next page holds nothing of the page before', () => {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void

  /** Serves two pages (two items, then one) and answers whether `firstPage` was collected before the second was asked for. */
  function twoPages(route: string, firstPage: () => readonly WeakRef<object>[]): () => boolean | undefined {
    let gone: boolean | undefined
    server.on(`GET /v3/p/${route}`, (req) => {
      if (req.query.get('marker') === null) return { body: { [route]: [{ n: 1 }, { n: 2 }], [`${route}_links`]: [{ rel: 'next', href: `${server.url}/v3/p/${route}?marker=2` }] } }
      gc()
      gone = firstPage().every((w) => w.deref() === undefined)
      return { body: { [route]: [{ n: 3 }], [`${route}_links`]: [] } }
    })
    return () => gone
  }

  test('paginate: the first page\'s answer (the raw items it parsed) is let go before the next page is read', async () => {
    const raw: WeakRef<object>[] = []
    const gone = twoPages('rawpage', () => raw)
    const parse = (b: unknown): number => {
      raw.push(new WeakRef(b as object))
      return (b as { n: number }).n
    }
    assert.deepEqual(await collect(paginate(client, client.url('rawpage'), { itemsKey: 'rawpage', parse })), [1, 2, 3])
    assert.equal(gone(), true)
  })

  test('paginatePages: a page the caller let go is not held by the listing while it reads the next', async () => {
    const gone = twoPages('heldpage', () => first)
    let first: WeakRef<object>[] = []
    const pages = paginatePages(client, client.url('heldpage'), { itemsKey: 'heldpage', parse: (b) => ({ ...(b as object) }) })[Symbol.asyncIterator]()
    // Takes the first page and keeps only weak references to its items (this frame ends).
    first = await (async () => ((await pages.next()).value as object[]).map((o) => new WeakRef(o)))()
    const second = await pages.next()
    assert.deepEqual(second.value, [{ n: 3 }])
    assert.equal(gone(), true)
  })
})
