import type { RequestEvent } from './request.ts'

/** One counter row: requests sent to a route of a service with a method. */
export interface RequestCount {
  readonly service: string
  readonly method: string
  readonly route: string
  readonly count: number
}

/**
 * Counts every HTTP request a connection sends (each retry and each re-sent request after a 401 is
 * one more), by service type, method and route template: pass `counter.observe` as connect()'s
 * `onRequest`.
 */
export class RequestCounter {
  readonly #counts = new Map<string, { service: string; method: string; route: string; count: number }>()

  /** The observer to give connect() (`onRequest`). */
  readonly observe = (e: Pick<RequestEvent, 'service' | 'method' | 'route'>): void => {
    const key = `${e.service} ${e.method} ${e.route}`
    const row = this.#counts.get(key)
    if (row) row.count++
    else this.#counts.set(key, { service: e.service, method: e.method, route: e.route, count: 1 })
  }

  /** Every row, most requests first (copies: later requests do not change them). */
  rows(): RequestCount[] {
    const key = (r: RequestCount): string => `${r.service} ${r.method} ${r.route}`
    return [...this.#counts.values()].map((r) => ({ ...r })).sort((a, b) => b.count - a.count || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
  }

  /** Requests counted, of one service type (`block-storage`) or all. */
  total(service?: string): number {
    let n = 0
    for (const r of this.#counts.values()) if (service === undefined || r.service === service) n += r.count
    return n
  }
}

/** The rows of `now` minus those of `before` (both from rows()): the requests sent in between. */
export function countsSince(now: readonly RequestCount[], before: readonly RequestCount[]): RequestCount[] {
  const had = new Map(before.map((r) => [`${r.service} ${r.method} ${r.route}`, r.count]))
  return now.map((r) => ({ ...r, count: r.count - (had.get(`${r.service} ${r.method} ${r.route}`) ?? 0) })).filter((r) => r.count > 0)
}
