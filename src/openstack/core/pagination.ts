import type { ServiceClient } from './service-client.ts'

export interface PageOpts<T> {
  /** The array key of each page (`volumes`, `snapshots`, `servers`). */
  readonly itemsKey: string
  /** The links key (`volumes_links`; Keystone: `links`); defaults to `<itemsKey>_links`. */
  readonly linksKey?: string | undefined
  readonly parse: (body: unknown) => T
  /** Items (as the page has them, before parse) to leave out unparsed; none when absent. */
  readonly skip?: ((raw: unknown) => boolean) | undefined
  readonly signal?: AbortSignal | undefined
  /** Safety bound on pages followed (default 100 000). */
  readonly maxPages?: number | undefined
}

/** One page read: its parsed items and the next page's URL (undefined on the last page). */
interface Page<T> {
  items: T[]
  readonly next: string | undefined
}

interface Link {
  rel?: string
  href?: string
}

/**
 * Every item of every page: follows the `rel: next` href of `*_links` until a page has none.
 * Callers never see pages. Stops if a next link repeats the current URL.
 */
export async function* paginate<T>(client: ServiceClient, firstUrl: string, opts: PageOpts<T>): AsyncGenerator<T> {
  for await (const page of paginatePages(client, firstUrl, opts)) {
    // Each item is let go once handed over: nothing of a page is held while the next is fetched.
    for (let i = 0; i < page.length; i++) {
      const item = page[i] as T
      page[i] = undefined as T
      yield item
    }
  }
}

/**
 * Every page, as its items parsed (the same pages and stops as paginate()). A page's answer is
 * parsed as soon as it is read and not kept: only its parsed items are, until the caller takes
 * the next page (a listing of 100k volumes holds one page's answer at a time, not one page's
 * answer while the next is fetched). For callers that handle a page at once (a filter, a count)
 * without a step through the event loop per item.
 */
export async function* paginatePages<T>(client: ServiceClient, firstUrl: string, opts: PageOpts<T>): AsyncGenerator<T[]> {
  const maxPages = opts.maxPages ?? 100_000
  let url: string | undefined = firstUrl
  for (let page = 0; url !== undefined && page < maxPages; page++) {
    const read: Page<T> = await readPage(client, url, opts)
    url = read.next
    yield read.items
    read.items = []
  }
}

/** What an item left out by `skip` is in a page's array (the array keeps its length). */
const SKIPPED: unique symbol = Symbol('skipped')

async function readPage<T>(client: ServiceClient, url: string, opts: PageOpts<T>): Promise<Page<T>> {
  const { skip, parse } = opts
  // Each item is parsed (or left out) as the answer is read: only the parsed items are kept, not the
  // page's raw items beside them until the whole page is read.
  const take = (raw: unknown): T | typeof SKIPPED => (skip !== undefined && skip(raw) ? SKIPPED : parse(raw))
  const res = await client.get(url, { okCodes: [200], signal: opts.signal, items: { key: opts.itemsKey, take } })
  const body = (res.body ?? {}) as Record<string, unknown>
  const raw = body[opts.itemsKey]
  const all: unknown[] = Array.isArray(raw) ? raw : []
  const items: T[] = []
  for (const item of all) if (item !== SKIPPED) items.push(item as T)
  const next = nextHref(body[opts.linksKey ?? `${opts.itemsKey}_links`])
  // A page whose items were all skipped is still followed: only an empty page ends the listing.
  return { items, next: next !== undefined && next !== url && all.length > 0 ? next : undefined }
}

/** Cinder/Nova: `[{rel: 'next', href}]`; Keystone: `{next: href | null}`. */
function nextHref(links: unknown): string | undefined {
  if (Array.isArray(links)) return (links as Link[]).find((l) => l.rel === 'next')?.href
  if (links !== null && typeof links === 'object') {
    const next = (links as { next?: unknown }).next
    return typeof next === 'string' ? next : undefined
  }
  return undefined
}
