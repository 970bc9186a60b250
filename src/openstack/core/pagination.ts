import type { ServiceClient } from './service-client.ts'

export interface PageOpts<T> {
  /** The array key of each page (`volumes`, `snapshots`, `servers`). */
  readonly itemsKey: string
  /** The links key (`volumes_links`; Keystone: `links`); defaults to `<itemsKey>_links`. */
  readonly linksKey?: string | undefined
  readonly parse: (body: unknown) => T
  readonly signal?: AbortSignal | undefined
  /** Safety bound on pages followed (default 100 000). */
  readonly maxPages?: number | undefined
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
  const linksKey = opts.linksKey ?? `${opts.itemsKey}_links`
  const maxPages = opts.maxPages ?? 100_000
  let url: string | undefined = firstUrl
  for (let page = 0; url !== undefined && page < maxPages; page++) {
    const res = await client.get(url, { okCodes: [200], signal: opts.signal })
    const body = (res.body ?? {}) as Record<string, unknown>
    const items = body[opts.itemsKey]
    if (Array.isArray(items)) for (const item of items) yield opts.parse(item)
    const links = body[linksKey]
    const next = nextHref(links)
    url = next !== undefined && next !== url && Array.isArray(items) && items.length > 0 ? next : undefined
  }
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
