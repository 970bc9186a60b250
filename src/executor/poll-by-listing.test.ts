import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CancelledError, WaitTimeoutError } from './errors.ts'
import { ListingPoller, pollInterval, type WatchedItem } from './poll-by-listing.ts'
import { fakeTime } from './testing/fake-time.ts'

interface Rec {
  readonly id: string
  readonly status: string
}

/** A cloud of items whose status is set by the test; every listing is counted. */
function setup(schedule = { firstMs: 5_000, maxMs: 60_000 }) {
  const time = fakeTime()
  const status = new Map<string, string>()
  const listings: string[][] = []
  let failNext: unknown
  const poller = new ListingPoller<Rec>({
    clock: time.clock,
    sleep: time.sleep,
    schedule,
    isTransient: (err) => err instanceof Error && err.message === 'transient',
    list: async (items) => {
      listings.push(items.map((i) => i.id))
      if (failNext !== undefined) {
        const e = failNext
        failNext = undefined
        throw e
      }
      return new Map([...status].filter(([id]) => items.some((i) => i.id === id)).map(([id, s]) => [id, { id, status: s }]))
    },
  })
  const item = (id: string): WatchedItem => ({ id, projectId: 'p', since: time.clock.now() })
  const until = (id: string, target: string, opts: { deadlineMs?: number; signal?: AbortSignal; beforeRound?: () => Promise<void> | undefined } = {}) =>
    poller.watch(item(id), {
      done: (r) => r === undefined || r.status === target,
      deadlineMs: opts.deadlineMs ?? time.clock.now().getTime() + 3_600_000,
      what: `item ${id}`,
      target,
      statusOf: (r) => r?.status,
      ...(opts.signal && { signal: opts.signal }),
      ...(opts.beforeRound && { beforeRound: opts.beforeRound }),
    })
  return { time, status, listings, poller, until, fail: (e: unknown) => (failNext = e) }
}

describe('pollInterval', () => {
  it('doubles from the first interval up to the cap', () => {
    const s = { firstMs: 5_000, maxMs: 60_000 }
    assert.deepEqual([0, 1, 2, 3, 4, 5, 50].map((n) => pollInterval(s, n)), [5_000, 10_000, 20_000, 40_000, 60_000, 60_000, 60_000])
  })
})

describe('ListingPoller', () => {
  it('answers every item in flight with one listing per round, backing off as the wait grows', async () => {
    const { time, status, listings, until } = setup()
    const ids = ['a', 'b', 'c', 'd', 'e']
    for (const id of ids) status.set(id, 'creating')
    const waits = ids.map((id) => until(id, 'available'))
    // They become available after 100 s: rounds at 5, 15, 35, 75 and 135 s.
    const done = Promise.all(waits)
    for (let i = 0; i < 1000 && time.clock.now().getTime() - Date.parse('2026-03-29T00:30:00Z') < 100_000; i++) await new Promise((r) => setImmediate(r))
    for (const id of ids) status.set(id, 'available')
    const records = await done
    assert.deepEqual(records.map((r) => r?.status), Array(5).fill('available'))
    assert.deepEqual(time.sleeps, [5_000, 10_000, 20_000, 40_000, 60_000])
    assert.equal(listings.length, 5, 'one listing per round, not one read per item')
    assert.ok(listings.every((l) => l.length === 5))
  })

  it('a wait ended by an early page of a round is settled before the round reads its next page', async () => {
    const time = fakeTime()
    let releasePage2: () => void = () => {}
    const page2 = new Promise<void>((r) => (releasePage2 = r))
    let pagesRead = 0
    let bStatus = 'creating'
    const poller = new ListingPoller<Rec>({
      clock: time.clock,
      sleep: time.sleep,
      // Two pages: a (available) and b (creating) on the first, c (available) on the second.
      list: async (items, _signal, onPart) => {
        pagesRead = 1
        onPart?.(new Map([['a', { id: 'a', status: 'available' }], ['b', { id: 'b', status: 'creating' }]]))
        await page2
        pagesRead = 2
        onPart?.(new Map([['c', { id: 'c', status: 'available' }]]))
        return new Map(items.map((i) => [i.id, { id: i.id, status: i.id === 'b' ? bStatus : 'available' }]))
      },
    })
    const watch = (id: string) =>
      poller.watch({ id, projectId: 'p', since: time.clock.now() }, { done: (r) => r?.status === 'available', deadlineMs: time.clock.now().getTime() + 600_000, what: id, target: 'available' })
    const ended: string[] = []
    const waits = ['a', 'b', 'c'].map((id) => watch(id).then((r) => (ended.push(id), r)))
    poller.lookNow()
    // Bounded: the first page is read within a few turns of the event loop.
    for (let i = 0; i < 1000 && ended.length === 0; i++) await new Promise((r) => setImmediate(r))
    assert.equal(pagesRead, 1)
    assert.deepEqual(ended, ['a'], 'a ended while the second page was still being read')
    releasePage2()
    assert.equal((await waits[2])?.status, 'available')
    assert.deepEqual(ended, ['a', 'c'], 'b, still creating, waits for a later round')
    assert.equal(poller.watching, 1)
    // b is available by the next round (its first interval on the fake clock).
    bStatus = 'available'
    assert.equal((await waits[1])?.status, 'available')
  })

  it('lookNow makes every item due at once: one round without waiting the first interval', async () => {
    const time = fakeTime()
    const sleeps: number[] = []
    // A sleep that only ends when woken: the clock never moves, so only lookNow can start a round.
    const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
      new Promise((_, reject) => {
        sleeps.push(ms)
        signal?.addEventListener('abort', () => reject(new Error('woken')), { once: true })
      })
    const listings: string[][] = []
    const poller = new ListingPoller<Rec>({
      clock: time.clock,
      sleep,
      list: async (items) => {
        listings.push(items.map((i) => i.id))
        return new Map(items.map((i) => [i.id, { id: i.id, status: 'available' }]))
      },
    })
    const watch = (id: string) =>
      poller.watch({ id, projectId: 'p', since: time.clock.now() }, { done: (r) => r?.status === 'available', deadlineMs: time.clock.now().getTime() + 60_000, what: id, target: 'available' })
    const waits = [watch('a'), watch('b')]
    for (let i = 0; i < 100 && sleeps.length === 0; i++) await new Promise((r) => setImmediate(r))
    assert.deepEqual(sleeps, [5_000], 'the loop waits for the first interval')
    assert.equal(listings.length, 0)
    poller.lookNow()
    const records = await Promise.all(waits)
    assert.deepEqual(records.map((r) => r?.status), ['available', 'available'])
    assert.deepEqual(listings, [['a', 'b']], 'one round for both, at once')
  })

  it('after the round lookNow made, an item still in flight is looked at when it was due anyway, not an interval later', async () => {
    const time = fakeTime()
    const sleeps: number[] = []
    // A sleep that ends when woken, or when the test lets it run out (the clock then moves by it).
    let runOut: (() => void) | undefined
    const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
      new Promise((resolve, reject) => {
        sleeps.push(ms)
        runOut = () => {
          time.advance(ms)
          resolve()
        }
        signal?.addEventListener('abort', () => reject(new Error('woken')), { once: true })
      })
    let status = 'creating'
    const poller = new ListingPoller<Rec>({ clock: time.clock, sleep, list: async (items) => new Map(items.map((i) => [i.id, { id: i.id, status }])) })
    const wait = poller.watch({ id: 'a', projectId: 'p', since: time.clock.now() }, { done: (r) => r?.status === 'available', deadlineMs: time.clock.now().getTime() + 600_000, what: 'a', target: 'available' })
    for (let i = 0; i < 100 && sleeps.length === 0; i++) await new Promise((r) => setImmediate(r))
    // 3 s after it was watched (its last create was sent), the run looks at once.
    time.advance(3_000)
    poller.lookNow()
    for (let i = 0; i < 100 && sleeps.length < 2; i++) await new Promise((r) => setImmediate(r))
    assert.equal(poller.rounds, 1, 'the early round')
    assert.equal(sleeps[1], 2_000, 'next look 5 s after it was watched, as it was due: not 5 s after the early round, nor doubled')
    status = 'available'
    runOut?.()
    assert.equal((await wait)?.status, 'available')
    assert.equal(poller.rounds, 2)
  })

  it('an item added while others back off is answered by the next round, and the others go on', async () => {
    const { time, status, until } = setup()
    status.set('old', 'creating')
    const old = until('old', 'available')
    // Let 'old' back off: after 3 rounds its next look is 40 s away.
    while (time.sleeps.length < 3) await new Promise((r) => setImmediate(r))
    status.set('new', 'available')
    const fresh = await until('new', 'available')
    assert.equal(fresh?.status, 'available')
    status.set('old', 'available')
    assert.equal((await old)?.status, 'available')
  })

  it('ends a wait at its deadline with WaitTimeoutError naming the last status, after a last look', async () => {
    const { status, listings, until, time } = setup()
    status.set('slow', 'creating')
    await assert.rejects(until('slow', 'available', { deadlineMs: time.clock.now().getTime() + 30_000 }), (e: unknown) => e instanceof WaitTimeoutError && /last status: creating/.test(e.message))
    assert.deepEqual(time.sleeps, [5_000, 10_000, 15_000], 'the last round is at the deadline')
    assert.equal(listings.length, 3)
  })

  it('a transient listing failure is tried again next round; another failure ends every wait with it', async () => {
    const t = setup()
    t.status.set('x', 'creating')
    t.fail(new Error('transient'))
    const x = t.until('x', 'available')
    while (t.listings.length < 1) await new Promise((r) => setImmediate(r))
    t.status.set('x', 'available')
    assert.equal((await x)?.status, 'available')
    assert.equal(t.listings.length, 2)
    const u = setup()
    u.status.set('y', 'creating')
    u.fail(new Error('forbidden'))
    await assert.rejects(u.until('y', 'available'), /forbidden/)
  })

  it('a wait ends with CancelledError when its signal aborts; a beforeRound failure ends only that wait', async () => {
    const { status, until } = setup()
    status.set('a', 'creating')
    status.set('b', 'creating')
    const stop = new AbortController()
    const a = until('a', 'available', { signal: stop.signal })
    const b = until('b', 'available', { beforeRound: async () => { throw new Error('lease lost') } })
    await assert.rejects(b, /lease lost/)
    stop.abort(new Error('SIGTERM'))
    await assert.rejects(a, (e: unknown) => e instanceof CancelledError)
  })

  it("a round starts every item's beforeRound at once: one still at work does not hold back the others'", async () => {
    const { status, listings, until } = setup()
    const started: string[] = []
    let release: () => void = () => {}
    const held = new Promise<void>((r) => (release = r))
    for (const id of ['a', 'b', 'c']) status.set(id, 'available')
    const waits = ['a', 'b', 'c'].map((id) => until(id, 'available', { beforeRound: async () => { started.push(id); await held } }))
    // Bounded: the first round is due after the fake clock's first interval.
    for (let i = 0; i < 1000 && started.length < 3; i++) await new Promise((r) => setImmediate(r))
    assert.deepEqual(started, ['a', 'b', 'c'], 'all three started while the first is still at work')
    assert.equal(listings.length, 0, 'the round lists once every beforeRound is done')
    release()
    assert.deepEqual((await Promise.all(waits)).map((r) => r?.status), ['available', 'available', 'available'])
    assert.equal(listings.length, 1)
  })

  it('a beforeRound with nothing to do answers undefined and the round waits on no promise of its own; one that throws at once ends only its wait', async () => {
    const { status, listings, until } = setup()
    for (const id of ['a', 'b']) status.set(id, 'available')
    const a = until('a', 'available', { beforeRound: () => undefined })
    const b = until('b', 'available', {
      beforeRound: () => {
        throw new Error('lease lost at once')
      },
    })
    assert.equal((await a)?.status, 'available')
    await assert.rejects(b, /lease lost at once/)
    assert.equal(listings.length, 1)
  })

  it('an item no longer listed ends the wait with undefined', async () => {
    const { until } = setup()
    assert.equal(await until('gone', 'available'), undefined)
  })
})

describe('ListingPoller: no timer outlives the last wait', () => {
  it('the last wait cancelled ends the sleeping loop at once', async () => {
    const time = fakeTime()
    let sleeping: AbortSignal | undefined
    const poller = new ListingPoller<Rec>({
      clock: time.clock,
      // A sleep that only ends when its signal aborts (as a real timer would, minutes later).
      sleep: (_ms, signal) => new Promise<void>((resolve) => {
        sleeping = signal
        signal?.addEventListener('abort', () => resolve(), { once: true })
      }),
      list: async () => new Map(),
    })
    const stop = new AbortController()
    const wait = poller.watch({ id: 'x', projectId: 'p', since: time.clock.now() }, { done: () => false, deadlineMs: time.clock.now().getTime() + 3_600_000, what: 'x', target: 'available', signal: stop.signal })
    while (sleeping === undefined) await new Promise((r) => setImmediate(r))
    stop.abort(new Error('SIGTERM'))
    await assert.rejects(wait, (e: unknown) => e instanceof CancelledError)
    assert.equal(sleeping.aborted, true, 'the loop sleep was woken')
    assert.equal(poller.watching, 0)
  })
})

describe('ListingPoller: a clock held still', () => {
  it('still makes a round after each sleep (the sleep, not the clock, paces the rounds)', async () => {
    const still = new Date('2026-03-29T00:30:00Z')
    let listings = 0
    const poller = new ListingPoller<Rec>({
      clock: { now: () => still },
      sleep: async () => {
        await new Promise((r) => setImmediate(r))
      },
      list: async () => {
        listings++
        return new Map(listings >= 3 ? [] : [['x', { id: 'x', status: 'deleting' }]])
      },
    })
    const r = await poller.watch({ id: 'x', projectId: 'p', since: still }, { done: (b) => b === undefined, deadlineMs: still.getTime() + 60_000, what: 'x', target: 'deleted' })
    assert.equal(r, undefined)
    assert.equal(listings, 3)
  })
})
