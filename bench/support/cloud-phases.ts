/**
 * Wraps a Cloud to time a cycle's phases from the outside: listing (first list call to the end of
 * the last listing), planning (to the first per-item call) and executing (to the end).
 */
import type { Cloud } from '../../src/domain/ports.ts'
import type { Row } from './bench-report.ts'

export interface PhasedCloud {
  readonly cloud: Cloud
  /** Phases in ms, measured up to `endMs` (performance.now()). */
  phases(endMs: number): Row[]
}

const NOT_ITEM_CALLS = new Set(['identity', 'isTransient', 'retryAfterMs', 'listProjects'])

export function timeCloudPhases(target: Cloud): PhasedCloud {
  let listStart: number | undefined
  let listEnd: number | undefined
  let firstItem: number | undefined
  async function* timed<T>(it: AsyncIterable<T>): AsyncIterable<T> {
    listStart ??= performance.now()
    for await (const x of it) yield x
    // Only the cycle's first listings; the executor's listings (polls, window checks) are executing.
    if (firstItem === undefined) listEnd = performance.now()
  }
  const cloud = new Proxy(target, {
    get(t, prop, receiver) {
      const value: unknown = Reflect.get(t, prop, receiver)
      if (typeof value !== 'function' || typeof prop !== 'string') return value
      const fn = value as (...args: unknown[]) => unknown
      if (prop.startsWith('list') && prop !== 'listProjects') return (...args: unknown[]) => {
          const out = fn.apply(t, args)
          // Some list* methods answer a Promise of an array (look-ups), not a listing to time.
          return out !== null && typeof out === 'object' && Symbol.asyncIterator in out ? timed(out as AsyncIterable<unknown>) : out
        }
      if (NOT_ITEM_CALLS.has(prop)) return fn.bind(t)
      return (...args: unknown[]) => {
        firstItem ??= performance.now()
        return fn.apply(t, args)
      }
    },
  })
  return {
    cloud,
    phases(endMs) {
      const s = listStart ?? endMs
      const e = listEnd ?? s
      const f = firstItem ?? endMs
      return [
        ['listing (pages in parallel per collection)', e - s],
        ['planning (between last page and first item call)', Math.max(0, f - e)],
        ['executing', endMs - Math.max(f, e)],
      ]
    },
  }
}
