/** The fewest API calls a cycle could make for a scenario, term by term, each with its reason. */

export interface LowerBoundTerm {
  readonly what: string
  readonly calls: number
  readonly why: string
}

/** Pages a marker-paginated listing of `n` items needs at `pageSize` per page (at least one). */
export function pagesFor(n: number, pageSize: number): number {
  return Math.max(1, Math.ceil(n / pageSize))
}

export function totalOf(terms: readonly LowerBoundTerm[]): number {
  return terms.reduce((sum, t) => sum + t.calls, 0)
}
