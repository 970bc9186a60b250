import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ChunkedBody } from './chunked-body.ts'

/** Feeds `wire` split at `cuts`, keeping unconsumed bytes as a connection does; returns the body and what followed it. */
function decode(wire: string, cuts: number[] = []): { body: string; rest: string; done: boolean } | { error: string } {
  const c = new ChunkedBody()
  const pieces: Buffer[] = []
  let pending = Buffer.alloc(0)
  let rest = ''
  const bounds = [...cuts, wire.length]
  let from = 0
  for (const to of bounds) {
    pending = Buffer.concat([pending, Buffer.from(wire.slice(from, to), 'latin1')])
    from = to
    if (c.done) {
      rest += pending.toString('latin1')
      pending = Buffer.alloc(0)
      continue
    }
    const used = c.feed(pending, 0, (p) => pieces.push(Buffer.from(p)))
    if (typeof used !== 'number') return used
    pending = pending.subarray(used)
    if (c.done) {
      rest += pending.toString('latin1')
      pending = Buffer.alloc(0)
    }
  }
  return { body: Buffer.concat(pieces).toString('latin1'), rest: rest + pending.toString('latin1'), done: c.done }
}

const WIRE = '5\r\nhello\r\n7;name=value\r\n, world\r\n0\r\nX-Trailer: 1\r\n\r\nNEXT'

test('chunks are joined, extensions and trailers dropped, and the bytes after the last chunk left alone', () => {
  assert.deepEqual(decode(WIRE), { body: 'hello, world', rest: 'NEXT', done: true })
  assert.deepEqual(decode('A\r\n0123456789\r\n0\r\n\r\n'), { body: '0123456789', rest: '', done: true })
})

test('split at any byte, the body reads the same', () => {
  for (let i = 1; i < WIRE.length; i++) {
    assert.deepEqual(decode(WIRE, [i]), { body: 'hello, world', rest: 'NEXT', done: true }, `cut at ${i}`)
  }
  const everyByte = Array.from({ length: WIRE.length - 1 }, (_, i) => i + 1)
  assert.deepEqual(decode(WIRE, everyByte), { body: 'hello, world', rest: 'NEXT', done: true })
})

test('an incomplete body is not done', () => {
  const r = decode('5\r\nhel')
  assert.ok('done' in r)
  assert.equal(r.done, false)
  const noTrailerEnd = decode('0\r\nX-A: 1\r\n')
  assert.ok('done' in noTrailerEnd && !noTrailerEnd.done)
})

test('what is not chunked coding is refused', () => {
  assert.deepEqual(decode('zz\r\nhello\r\n0\r\n\r\n'), { error: 'a chunk size is not hexadecimal' })
  assert.deepEqual(decode('-1\r\n'), { error: 'a chunk size is not hexadecimal' })
  assert.deepEqual(decode('123456789\r\n'), { error: 'a chunk size is not hexadecimal' })
  assert.deepEqual(decode('5\r\nhelloXX0\r\n\r\n'), { error: 'a chunk does not end with CRLF' })
  assert.deepEqual(decode(`5${' '.repeat(2000)}`), { error: 'a chunk size line is too long' })
  assert.deepEqual(decode(`0\r\n${'X-A: 1\r\n'.repeat(3000)}`), { error: 'the trailer fields are too long' })
})
