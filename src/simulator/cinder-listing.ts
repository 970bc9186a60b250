import { atLeast, badRequest, notFound, type SimContext } from './sim-http.ts'
import { compareIndexed, lowerBound, type Indexed, type SortedIndex } from './sorted-index.ts'

/** Query keys that are not filters (Cinder strips them before checking filters). */
const NON_FILTER_KEYS = new Set(['limit', 'marker', 'sort', 'sort_key', 'sort_dir', 'offset', 'with_count', 'all_tenants', 'is_public'])

export type FilterFn<T> = (item: T, value: string) => boolean

export interface ListSpec<T extends Indexed> {
  readonly index: SortedIndex<T>
  /** Path after the project for the next link, e.g. `volumes/detail`. */
  readonly path: string
  /** Filters this resource accepts from a non-admin (resource_filters.json). */
  readonly allowed: readonly string[]
  /** Filters the simulator applies; others are accepted or rejected per `allowed` but ignored. */
  readonly filters: Readonly<Record<string, FilterFn<T>>>
  /**
   * Filters answered from an index of `index` (query key → indexed field), as Cinder's database
   * indexes them (`volume_id`, `status`): the page walks only the matching resources.
   */
  readonly indexed?: Readonly<Record<string, string>>
  readonly sortKeys: Readonly<Record<string, (t: T) => string | number>>
  /** Page size cap (Cinder's osapi_max_limit). */
  readonly maxLimit: number
}

export interface Page<T> {
  readonly items: T[]
  readonly next: string | undefined
}

export function isTruthy(v: string | null): boolean {
  return v !== null && !['0', 'false', 'f', 'no', 'n', 'off'].includes(v.toLowerCase())
}

/** Parses Cinder's `metadata` filter: a JSON dict, or a Python dict literal. */
export function parseMetadataFilter(raw: string): Record<string, string> {
  for (const candidate of [raw, raw.replace(/'/g, '"')]) {
    try {
      const v: unknown = JSON.parse(candidate)
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
        return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, String(x)]))
      }
    } catch {
      // try the next form
    }
  }
  throw badRequest(`Invalid input received: Invalid metadata filter ${raw}`)
}

/** The last metadata filter parsed: a listing checks every resource it walks against the same one. */
let lastFilter: { readonly raw: string; readonly pairs: readonly [string, string][] } | undefined

export function metadataMatches(meta: Readonly<Record<string, string>>, raw: string): boolean {
  if (lastFilter?.raw !== raw) lastFilter = { raw, pairs: Object.entries(parseMetadataFilter(raw)) }
  for (const [k, v] of lastFilter.pairs) if (meta[k] !== v) return false
  return true
}

interface SortSpec<T> {
  readonly key: (t: T) => string | number
  readonly dir: 1 | -1
}

function parseSort<T extends Indexed>(ctx: SimContext, spec: ListSpec<T>): SortSpec<T>[] | undefined {
  const sort = ctx.query.get('sort')
  const pairs: [string, string][] = []
  if (sort !== null) {
    for (const part of sort.split(',')) {
      const [k = '', d = 'desc'] = part.split(':')
      pairs.push([k.trim(), d.trim()])
    }
  } else if (ctx.query.get('sort_key') !== null) {
    pairs.push([ctx.query.get('sort_key') ?? '', ctx.query.get('sort_dir') ?? 'desc'])
  }
  if (pairs.length === 0) return undefined
  return pairs.map(([k, d]) => {
    const key = spec.sortKeys[k]
    if (key === undefined) throw badRequest('Invalid input received: Invalid sort key')
    if (d !== 'asc' && d !== 'desc') throw badRequest('Invalid input received: Invalid sort dir')
    return { key, dir: d === 'asc' ? 1 : -1 }
  })
}

function parseLimit(ctx: SimContext, max: number): number {
  const raw = ctx.query.get('limit')
  if (raw === null) return max
  if (!/^-?\d+$/.test(raw)) throw badRequest('limit param must be an integer')
  const n = Number(raw)
  if (n < 0) throw badRequest('limit param must be positive')
  return Math.min(n, max)
}

/** One page of a Cinder collection, with scope, filters, sort, marker and the next link. */
export function listPage<T extends Indexed>(ctx: SimContext, spec: ListSpec<T>): Page<T> {
  const q = ctx.query
  const filterKeys = [...new Set([...q.keys()].filter((k) => !NON_FILTER_KEYS.has(k)))]
  if (!ctx.isAdmin && atLeast(ctx.mv, 3, 33)) {
    const invalid = filterKeys.filter((k) => !spec.allowed.includes(k))
    if (invalid.length > 0) throw badRequest(`Invalid filters ${invalid.join(',')} are found in query options.`)
  }
  const allTenants = ctx.isAdmin && isTruthy(q.get('all_tenants'))
  const projectFilter = allTenants ? (q.get('project_id') ?? undefined) : ctx.token?.projectId
  const active: [FilterFn<T>, string][] = []
  for (const k of filterKeys) {
    const fn = spec.filters[k]
    const v = q.get(k)
    if (fn !== undefined && v !== null) active.push([fn, v])
  }
  const limit = parseLimit(ctx, spec.maxLimit)
  const sort = parseSort(ctx, spec)
  // The smallest of: the project's (or every) resource, and the buckets of the indexed filters given.
  let source = spec.index.list(projectFilter)
  let scoped = true
  for (const [key, field] of Object.entries(spec.indexed ?? {})) {
    const v = q.get(key)
    const bucket = v === null ? undefined : spec.index.listBy(field, v)
    if (bucket !== undefined && bucket.length < source.length) {
      source = bucket
      scoped = false
    }
  }
  if (!scoped && projectFilter !== undefined) active.push([(t) => t.projectId === projectFilter, ''])
  const matches = (t: T): boolean => active.every(([fn, v]) => fn(t, v))
  const markerId = q.get('marker')
  const marker = markerId === null ? undefined : spec.index.get(markerId)
  if (markerId !== null && marker === undefined) throw notFound(`Marker ${markerId} could not be found.`)

  const items: T[] = []
  if (sort === undefined) {
    // Default order created_at desc, id desc: walk the ascending index from the end.
    let i = marker === undefined ? source.length - 1 : lowerBound(source, marker) - 1
    for (; i >= 0 && items.length < limit; i--) {
      const t = source[i] as T
      if (matches(t)) items.push(t)
    }
  } else {
    const all = source.filter(matches)
    all.sort((a, b) => {
      for (const s of sort) {
        const x = s.key(a)
        const y = s.key(b)
        if (x !== y) return (x < y ? -1 : 1) * s.dir
      }
      return -compareIndexed(a, b)
    })
    const start = marker === undefined ? 0 : all.indexOf(marker) + 1
    items.push(...all.slice(start, start + limit))
  }
  let next: string | undefined
  const last = items[items.length - 1]
  if (last !== undefined && items.length === limit) {
    const params = new URLSearchParams(q)
    params.delete('marker')
    params.append('marker', last.id)
    next = `${ctx.origin}/volume/v3/${ctx.params['project_id'] ?? ''}/${spec.path}?${params.toString()}`
  }
  return { items, next }
}
