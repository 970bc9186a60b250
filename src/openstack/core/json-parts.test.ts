import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ItemTakeFailed, parseJsonParts } from './json-parts.ts'

/** Every way of cutting `text` into three parts (two cut points). */
function* cuts(text: string): Generator<string[]> {
  for (let a = 0; a <= text.length; a++) for (let b = a; b <= text.length; b++) yield [text.slice(0, a), text.slice(a, b), text.slice(b)]
}

/** The same result as JSON.parse of the joined text, or the same kind of error. */
function assertSameAsJsonParse(text: string): void {
  let expected: unknown
  let expectedError: unknown
  try {
    expected = JSON.parse(text)
  } catch (err) {
    expectedError = err
  }
  for (const parts of cuts(text)) {
    if (expectedError !== undefined) {
      assert.throws(() => parseJsonParts(parts), SyntaxError, JSON.stringify(parts))
      continue
    }
    const got = parseJsonParts(parts)
    assert.deepEqual(got, expected, JSON.stringify(parts))
    // Key order (and own "__proto__") as JSON.parse makes them.
    assert.equal(JSON.stringify(got), JSON.stringify(expected), JSON.stringify(parts))
  }
}

describe('parseJsonParts', () => {
  test('a listing page cut anywhere parses as the joined text does', () => {
    assertSameAsJsonParse(
      ' {"snapshots": [{"id": "a", "metadata": {"k": "v,]}"}, "size": 1}, {"id": "b\\"}", "n": [1, -2.5e3, true, null]}],' +
        ' "snapshots_links": [{"rel": "next", "href": "http://x/?marker=b"}]} ',
    )
  })

  test('values that are not arrays, empty objects and arrays, escapes and non-ASCII text', () => {
    assertSameAsJsonParse('{"a":{},"b":[],"c":"é\\u00e9\\n","d":12,"e":[[1],[2,[3]]],"f":false}')
    assertSameAsJsonParse('{}')
    assertSameAsJsonParse('{"volumes": []}')
    assertSameAsJsonParse('{"x": "𝄞 snäp"}')
    // Runs of backslashes before a quote: even ends the string, odd escapes the quote.
    assertSameAsJsonParse(String.raw`{"a": ["x\\", "y\\\"z]", "\\\\"], "b": {"k\"": "}"}}`)
  })

  test('duplicate keys and "__proto__" are as JSON.parse has them (an own property, the last value)', () => {
    assertSameAsJsonParse('{"a": 1, "__proto__": {"polluted": true}, "a": 2}')
    const got = parseJsonParts(['{"__proto__": {"polluted": true}', '}']) as Record<string, unknown>
    assert.equal(Object.getPrototypeOf(got), Object.prototype)
    assert.ok(Object.hasOwn(got, '__proto__'))
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined)
  })

  test('a body that is not one object, or is not JSON, is parsed (or refused) as the joined text', () => {
    assertSameAsJsonParse('[1, {"a": [2]}]')
    assertSameAsJsonParse('"text"')
    for (const bad of ['{"a": [1, 2}', '{"a": 1,}', '{"a" 1}', '{"a": [1 2]}', '{"a": 1} x', '{"a": tru}', '{"a": [}', '{"a": "x]', '{', '']) {
      assertSameAsJsonParse(bad)
    }
  })

  test('a page in parts is parsed item by item: no string longer than an item is parsed', () => {
    const items = Array.from({ length: 50 }, (_, k) => ({ id: `snap-${k}`, volume_id: `vol-${k % 7}`, metadata: { 'x-snapwarden-window': 'w' } }))
    const text = JSON.stringify({ snapshots: items, snapshots_links: [] })
    const parts: string[] = []
    for (let i = 0; i < text.length; i += 97) parts.push(text.slice(i, i + 97))
    const longestItem = Math.max(...items.map((i) => JSON.stringify(i).length))
    const parsed: number[] = []
    const parse = JSON.parse
    JSON.parse = (s: string, reviver?: Parameters<typeof JSON.parse>[1]): unknown => {
      parsed.push(s.length)
      return parse(s, reviver)
    }
    let got: unknown
    try {
      got = parseJsonParts(parts)
    } finally {
      JSON.parse = parse
    }
    assert.deepEqual(got, { snapshots: items, snapshots_links: [] })
    assert.ok(parsed.length > items.length, `${parsed.length} parses`)
    assert.ok(Math.max(...parsed) <= longestItem, `longest string parsed ${Math.max(...parsed)}, longest item ${longestItem}`)
  })
})

describe('parseJsonParts with an item taker', () => {
  const text = '{"snapshots": [{"id": "a", "v": 1}, {"id": "b", "v": 2}, {"id": "c", "v": 3}], "snapshots_links": [{"rel": "next", "href": "h"}]}'

  test('the array of the taker key holds what take returned for each item, in order, whole or in parts', () => {
    for (const parts of [[text], ...cuts(text)]) {
      const seen: unknown[] = []
      const got = parseJsonParts(parts, {
        key: 'snapshots',
        take: (raw) => {
          seen.push(raw)
          return (raw as { v: number }).v * 10
        },
      })
      assert.deepEqual(got, { snapshots: [10, 20, 30], snapshots_links: [{ rel: 'next', href: 'h' }] }, JSON.stringify(parts))
      assert.deepEqual(seen, [
        { id: 'a', v: 1 },
        { id: 'b', v: 2 },
        { id: 'c', v: 3 },
      ])
    }
  })

  test("a take that throws is the caller's error (ItemTakeFailed), unless the body is not JSON", () => {
    const boom = new Error('bad item')
    const taker = { key: 'snapshots', take: (raw: unknown) => ((raw as { id: string }).id === 'b' ? assert.fail(boom) : raw) }
    for (const parts of [[text], ...cuts(text)]) {
      const err = (() => {
        try {
          parseJsonParts(parts, taker)
        } catch (e) {
          return e
        }
        return undefined
      })()
      assert.ok(err instanceof ItemTakeFailed, JSON.stringify(parts))
      assert.equal(err.cause, boom)
    }
    const invalid = text.replace('"c"', 'c')
    for (const parts of [[invalid], ...cuts(invalid)]) assert.throws(() => parseJsonParts(parts, taker), SyntaxError, JSON.stringify(parts))
  })
})
