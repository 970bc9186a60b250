import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { BodyText } from './body-text.ts'

describe('BodyText', () => {
  test('no chunk is no part; one chunk is one part, its text', () => {
    assert.deepEqual(new BodyText().parts(), [])
    const one = new BodyText()
    one.push(Buffer.from('{"snapshot": {"name": "é"}}'))
    assert.deepEqual(one.parts(), ['{"snapshot": {"name": "é"}}'])
  })

  test('a character split between chunks is decoded whole, at every split point', () => {
    const text = '{"name": "snäp-€-𝄞", "d": "ok"}'
    const bytes = Buffer.from(text, 'utf8')
    for (let a = 1; a < bytes.length - 1; a++) {
      for (const b of [a + 1, bytes.length - 1]) {
        if (b <= a) continue
        const body = new BodyText()
        body.push(bytes.subarray(0, a))
        body.push(bytes.subarray(a, b))
        body.push(bytes.subarray(b))
        const parts = body.parts()
        assert.equal(parts.join(''), text, `split at ${a} and ${b}`)
        // Each part is whole characters: none ends in half a character.
        for (const part of parts) assert.equal(part, Buffer.from(part, 'utf8').toString('utf8'), `split at ${a} and ${b}`)
      }
    }
  })

  test('does not hold a chunk once the next has come (the page is decoded as it is read)', () => {
    const body = new BodyText()
    const first = Buffer.from('[1,')
    const second = Buffer.from('2]')
    body.push(first)
    body.push(second)
    // Overwriting the chunks after they were pushed (as a reused socket buffer would be) does not
    // change the text: it was decoded when each came, not kept to be decoded at the end.
    first.fill(0x20)
    second.fill(0x20)
    assert.deepEqual(body.parts(), ['[1,', '2]'])
  })
})
