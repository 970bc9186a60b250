import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { describe, test } from 'node:test'
import { pino } from 'pino'
import { buildLogger, lazyChildren, REDACT_PATHS } from './logger.ts'

/** A stream collecting pino's lines (pino writes synchronously to a plain stream). */
function sink(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = []
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString('utf8'))
      done()
    },
  })
  return { stream, lines: () => chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) }
}
const OPTIONS = { base: { app: 'snapwarden' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }
const withoutTime = (l: Record<string, unknown>): Record<string, unknown> => ({ ...l, time: 0 })

describe('cli logger: children made when they first write (issue 9: a cycle makes one per item)', () => {
  test('a child that writes nothing at the level is never built; one that writes is built once', () => {
    const out = sink()
    const root = pino({ ...OPTIONS, level: 'warn' }, out.stream)
    let built = 0
    const child = root.child.bind(root)
    root.child = ((...args: Parameters<typeof root.child>) => {
      built++
      return child(...args)
    }) as typeof root.child
    const log = lazyChildren(root)
    for (let i = 0; i < 1000; i++) log.child({ item: i }).info({ step: 'create requested' }, 'create requested')
    assert.equal(built, 0, 'info lines below the warn level build no child')
    const one = log.child({ item: 'x' })
    one.warn({ a: 1 }, 'first')
    one.error({ a: 2 }, 'second')
    assert.equal(built, 1)
    assert.deepEqual(out.lines().map((l) => [l['item'], l['msg']]), [['x', 'first'], ['x', 'second']])
  })

  test('lines are pino’s own: bindings (copied when the child is asked for), nesting, redaction, no msg', () => {
    const eager = sink()
    const lazy = sink()
    const e = pino({ ...OPTIONS, level: 'debug' }, eager.stream)
    const l = buildLogger('debug', lazy.stream)
    const bindings: Record<string, unknown> = { volumeId: 'v1', token: 'secret-token' }
    const ec = e.child(bindings).child({ step: 2 })
    const lc = l.child(bindings).child({ step: 2 })
    bindings['volumeId'] = 'changed later'
    for (const [log, kind] of [[ec, 'eager'], [lc, 'lazy']] as const) {
      log.debug({ password: 'p4ss', n: 1 }, 'with message')
      log.info({ n: 2 })
      void kind
    }
    e.warn({ top: true }, 'root')
    l.warn({ top: true }, 'root')
    assert.deepEqual(lazy.lines().map(withoutTime), eager.lines().map(withoutTime))
    const first = lazy.lines()[0]!
    assert.equal(first['volumeId'], 'v1')
    assert.equal(first['token'], '[redacted]')
    assert.equal(first['password'], '[redacted]')
    assert.equal(lazy.lines()[1]!['msg'], undefined)
  })
})
