/**
 * Resources kept in (createdAt, id) ascending order, globally and per project, so listing
 * 100k volumes page by page never sorts: Cinder's default order (created_at desc, id desc)
 * is a walk from the end, and a marker is a binary search.
 */
export interface Indexed {
  readonly id: string
  readonly projectId: string
  readonly createdAt: number
}

export function compareIndexed(a: Indexed, b: Indexed): number {
  if (a.createdAt !== b.createdAt) return a.createdAt - b.createdAt
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}

/** Index of the first element not less than `t` (by createdAt, id). */
export function lowerBound<T extends Indexed>(arr: readonly T[], t: Indexed): number {
  let lo = 0
  let hi = arr.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (compareIndexed(arr[mid] as T, t) < 0) lo = mid + 1
    else hi = mid
  }
  return lo
}

function insertSorted<T extends Indexed>(arr: T[], t: T): void {
  const last = arr[arr.length - 1]
  if (last === undefined || compareIndexed(last, t) < 0) arr.push(t)
  else arr.splice(lowerBound(arr, t), 0, t)
}

function removeSorted<T extends Indexed>(arr: T[], t: T): void {
  const i = lowerBound(arr, t)
  if (arr[i] === t) arr.splice(i, 1)
}

export class SortedIndex<T extends Indexed> {
  readonly byId = new Map<string, T>()
  private readonly all: T[] = []
  private readonly byProject = new Map<string, T[]>()

  add(t: T): void {
    this.byId.set(t.id, t)
    insertSorted(this.all, t)
    let p = this.byProject.get(t.projectId)
    if (p === undefined) {
      p = []
      this.byProject.set(t.projectId, p)
    }
    insertSorted(p, t)
  }

  remove(t: T): void {
    if (!this.byId.delete(t.id)) return
    removeSorted(this.all, t)
    const p = this.byProject.get(t.projectId)
    if (p !== undefined) removeSorted(p, t)
  }

  get(id: string): T | undefined {
    return this.byId.get(id)
  }

  /** Ascending (createdAt, id); one project's or everything. Do not mutate. */
  list(projectId?: string): readonly T[] {
    if (projectId === undefined) return this.all
    return this.byProject.get(projectId) ?? []
  }

  get size(): number {
    return this.all.length
  }
}
