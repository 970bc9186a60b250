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

/**
 * A field the index also keys by (Cinder's indexed filters: `volume_id`, `status`). Such a field
 * becomes an accessor on each added resource, so an assignment (`snap.status = 'deleting'`, as the
 * routes and tests do) moves the resource between buckets.
 */
export type IndexedField<T> = { [K in keyof T]: T[K] extends string ? K : never }[keyof T] & string

export class SortedIndex<T extends Indexed> {
  readonly byId = new Map<string, T>()
  private readonly all: T[] = []
  private readonly byProject = new Map<string, T[]>()
  /** project → the sum of its resources' `size` (gigabytes), kept as they are added and removed. */
  private readonly sizeByProject = new Map<string, number>()
  /** field → value → the resources with that value (sorted when listed: see FieldBucket). */
  private readonly byField = new Map<string, Map<string, FieldBucket<T>>>()

  constructor(fields: readonly IndexedField<T>[] = []) {
    for (const f of fields) this.byField.set(f, new Map())
  }

  add(t: T): void {
    this.byId.set(t.id, t)
    insertSorted(this.all, t)
    insertSorted(bucket(this.byProject, t.projectId), t)
    this.sizeByProject.set(t.projectId, (this.sizeByProject.get(t.projectId) ?? 0) + sizeOf(t))
    for (const [field, values] of this.byField) this.track(t, field, values)
  }

  remove(t: T): void {
    if (this.byId.get(t.id) !== t) return
    this.byId.delete(t.id)
    removeSorted(this.all, t)
    const p = this.byProject.get(t.projectId)
    if (p !== undefined) removeSorted(p, t)
    this.sizeByProject.set(t.projectId, (this.sizeByProject.get(t.projectId) ?? 0) - sizeOf(t))
    for (const [field, values] of this.byField) values.get(String((t as Record<string, unknown>)[field]))?.delete(t)
  }

  get(id: string): T | undefined {
    return this.byId.get(id)
  }

  /** Ascending (createdAt, id); one project's or everything. Do not mutate. */
  list(projectId?: string): readonly T[] {
    if (projectId === undefined) return this.all
    return this.byProject.get(projectId) ?? []
  }

  /** The sum of one project's resources' `size` (a volume's, snapshot's or backup's gigabytes), without a scan. */
  sizeIn(projectId: string): number {
    return this.sizeByProject.get(projectId) ?? 0
  }

  /** Ascending (createdAt, id): the resources whose indexed `field` is `value`; undefined when `field` is not indexed. */
  listBy(field: string, value: string): readonly T[] | undefined {
    const values = this.byField.get(field)
    if (values === undefined) return undefined
    return values.get(value)?.sorted() ?? []
  }

  get size(): number {
    return this.all.length
  }

  private track(t: T, field: string, values: Map<string, FieldBucket<T>>): void {
    const own = Object.getOwnPropertyDescriptor(t, field)
    let value = own?.get !== undefined ? own.get.call(t) : (t as Record<string, unknown>)[field]
    fieldBucket(values, String(value)).add(t)
    if (own?.get !== undefined) return // already tracked (re-added after a remove)
    const byId = this.byId
    Object.defineProperty(t, field, {
      enumerable: true,
      configurable: true,
      get: () => value,
      set: (next: unknown) => {
        if (next === value) return
        if (byId.get(t.id) === t) {
          values.get(String(value))?.delete(t)
          fieldBucket(values, String(next)).add(t)
        }
        value = next
      },
    })
  }
}

function bucket<T>(map: Map<string, T[]>, key: string): T[] {
  let list = map.get(key)
  if (list === undefined) {
    list = []
    map.set(key, list)
  }
  return list
}

/**
 * The resources with one value of an indexed field. A status changes on nearly every call (a
 * volume goes backing-up and back for each backup), while a listing filtered by it is rare: so a
 * change costs O(1), and the (createdAt, id) order is made when the bucket is listed after a change.
 */
class FieldBucket<T extends Indexed> {
  readonly #members = new Set<T>()
  #sorted: T[] | undefined = []

  add(t: T): void {
    if (this.#members.has(t)) return
    this.#members.add(t)
    const s = this.#sorted
    // Appending the newest keeps the order without a sort (a resource is usually created last).
    if (s !== undefined && (s.length === 0 || compareIndexed(s[s.length - 1] as T, t) < 0)) s.push(t)
    else this.#sorted = undefined
  }

  delete(t: T): void {
    if (!this.#members.delete(t)) return
    const s = this.#sorted
    if (s !== undefined && s[s.length - 1] === t) s.pop()
    else this.#sorted = undefined
  }

  /** Ascending (createdAt, id). Do not mutate. */
  sorted(): readonly T[] {
    this.#sorted ??= [...this.#members].sort(compareIndexed)
    return this.#sorted
  }
}

function fieldBucket<T extends Indexed>(map: Map<string, FieldBucket<T>>, key: string): FieldBucket<T> {
  let b = map.get(key)
  if (b === undefined) {
    b = new FieldBucket<T>()
    map.set(key, b)
  }
  return b
}

/** A resource's `size` (gigabytes) when it has one (servers have none). Sizes never change in the simulator. */
function sizeOf(t: Indexed): number {
  const size = (t as { size?: unknown }).size
  return typeof size === 'number' ? size : 0
}
