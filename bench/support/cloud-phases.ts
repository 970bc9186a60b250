/**
 * Wraps a Cloud to time a cycle's phases from the outside: listing (first list call to the end of
 * the last listing), planning (to the first per-item call) and executing (to the end).
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { deserialize, serialize } from 'node:v8'
import type { Cloud } from '../../src/domain/ports.ts'
import type { Row } from './bench-report.ts'

export interface PhasedCloud {
  readonly cloud: Cloud
  /** Phases in ms, measured up to `endMs` (performance.now()). */
  phases(endMs: number): Row[]
  /** What each list method yielded (the first listing of each), to re-run the pure planner on: a fresh copy each call. */
  listed(method: string): readonly unknown[]
}

/** Items serialized together (a listing page's worth). */
const LISTING_BATCH = 1000

const NOT_ITEM_CALLS = new Set(['identity', 'isTransient', 'retryAfterMs', 'listProjects'])

export function timeCloudPhases(target: Cloud): PhasedCloud {
  let listStart: number | undefined
  let listEnd: number | undefined
  let firstItem: number | undefined
  // Kept in a temp file (v8.serialize: the same values back, Dates included), not as live objects
  // nor as a buffer: the CLI drops its listing once it has planned, so holding it here (40 MiB at
  // 100k volumes, serialized) would measure more than the CLI uses. Written a batch of items at a
  // time, each when the event loop is next free (outside the timed listing): one serialization of
  // the whole listing made a buffer of its size and left ~14 MiB of old-generation garbage in the
  // measured process at 10k volumes, which the CLI does not make.
  const listings = new Map<string, string>()
  const dir = mkdtempSync(join(tmpdir(), 'snapwarden-bench-listing-'))
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }))
  const append = (file: string, batch: readonly unknown[]): void => {
    const body = serialize(batch)
    const head = Buffer.alloc(4)
    head.writeUInt32LE(body.length)
    appendFileSync(file, head)
    appendFileSync(file, body)
  }
  async function* timed<T>(method: string, it: AsyncIterable<T>): AsyncIterable<T> {
    listStart ??= performance.now()
    const file = listings.has(method) ? undefined : join(dir, `${method}.v8`)
    if (file !== undefined) {
      writeFileSync(file, '')
      listings.set(method, file)
    }
    let batch: unknown[] = []
    const flush = (): void => {
      if (file === undefined || batch.length === 0) return
      const full = batch
      batch = []
      setImmediate(() => append(file, full))
    }
    for await (const x of it) {
      if (file !== undefined) {
        batch.push(x)
        if (batch.length >= LISTING_BATCH) flush()
      }
      yield x
    }
    flush()
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
          return out !== null && typeof out === 'object' && Symbol.asyncIterator in out ? timed(prop, out as AsyncIterable<unknown>) : out
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
    listed: (method) => {
      const file = listings.get(method)
      if (file === undefined) return []
      const data = readFileSync(file)
      const out: unknown[] = []
      for (let at = 0; at < data.length; ) {
        const length = data.readUInt32LE(at)
        out.push(...(deserialize(data.subarray(at + 4, at + 4 + length)) as unknown[]))
        at += 4 + length
      }
      return out
    },
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
