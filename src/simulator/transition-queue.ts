/**
 * The resources whose status change is pending, ordered by when it is due, so settling on every
 * request costs the transitions that are due (O(log n) each), not a walk over all pending ones.
 * A resource held by a stuck fault leaves the queue for a side set that is looked at each time.
 */
import type { SimResource, SimTransition } from './sim-types.ts'

interface Entry {
  readonly r: SimResource
  readonly t: SimTransition
  /** When the resource first became pending: due transitions apply in that order, as they always did. */
  readonly seq: number
}

export class TransitionQueue {
  private readonly heap: Entry[] = []
  /** Pending resources and their order of arrival. */
  private readonly seqOf = new Map<SimResource, number>()
  private readonly held = new Map<SimResource, Entry>()
  private nextSeq = 0

  get size(): number {
    return this.seqOf.size
  }

  /** `r.transition` is `t`; replaces an earlier pending transition of `r`. */
  push(r: SimResource, t: SimTransition): void {
    let seq = this.seqOf.get(r)
    if (seq === undefined) {
      seq = this.nextSeq++
      this.seqOf.set(r, seq)
    }
    this.held.delete(r)
    this.heapPush({ r, t, seq })
  }

  delete(r: SimResource): void {
    this.seqOf.delete(r)
    this.held.delete(r)
  }

  /**
   * The resources whose transition is due at `now` and not held (`isHeld`), in arrival order,
   * removed from the queue. A resource whose transition was cleared (reset-status) just leaves it.
   */
  takeDue(now: number, isHeld: (r: SimResource) => boolean): SimResource[] {
    const due: Entry[] = []
    for (const e of this.held.values()) due.push(e)
    this.held.clear()
    while (this.heap.length > 0 && (this.heap[0] as Entry).t.at <= now) {
      const e = this.heapPop()
      due.push(e)
    }
    due.sort((a, b) => a.seq - b.seq)
    const out: SimResource[] = []
    for (const e of due) {
      if (this.seqOf.get(e.r) !== e.seq) continue // removed, or pending again under a newer entry
      if (e.r.transition !== e.t) {
        // cleared (reset-status) or replaced: a replacement has its own entry
        if (e.r.transition === undefined) this.seqOf.delete(e.r)
        continue
      }
      if (isHeld(e.r)) {
        this.held.set(e.r, e)
        continue
      }
      this.seqOf.delete(e.r)
      out.push(e.r)
    }
    return out
  }

  private heapPush(e: Entry): void {
    const h = this.heap
    h.push(e)
    let i = h.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!before(h[i] as Entry, h[parent] as Entry)) break
      ;[h[i], h[parent]] = [h[parent] as Entry, h[i] as Entry]
      i = parent
    }
  }

  private heapPop(): Entry {
    const h = this.heap
    const top = h[0] as Entry
    const last = h.pop() as Entry
    if (h.length > 0) {
      h[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < h.length && before(h[l] as Entry, h[m] as Entry)) m = l
        if (r < h.length && before(h[r] as Entry, h[m] as Entry)) m = r
        if (m === i) break
        ;[h[i], h[m]] = [h[m] as Entry, h[i] as Entry]
        i = m
      }
    }
    return top
  }
}

const before = (a: Entry, b: Entry): boolean => a.t.at < b.t.at || (a.t.at === b.t.at && a.seq < b.seq)
