import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isHeadRefusal, parseRequestHead, type RequestHead } from './request-head.ts'

const head = (lines: string[]): ReturnType<typeof parseRequestHead> => parseRequestHead(lines.join('\r\n'))

function ok(lines: string[]): RequestHead {
  const r = head(lines)
  if (isHeadRefusal(r)) assert.fail(`refused: ${r.reason}`)
  return r
}

test("oslo.policy's request head is read: method, target, body framing, content type", () => {
  const r = ok([
    'POST /v1/backup?backup_id=b-1 HTTP/1.1',
    'Host: 127.0.0.1:8808',
    'User-Agent: python-requests/2.28.1',
    'Accept-Encoding: gzip, deflate',
    'Accept: */*',
    'Connection: keep-alive',
    'Content-Length: 1234',
    'Content-Type: application/x-www-form-urlencoded',
  ])
  assert.deepEqual(r, {
    method: 'POST',
    target: '/v1/backup?backup_id=b-1',
    minor: 1,
    contentLength: 1234,
    chunked: false,
    contentType: 'application/x-www-form-urlencoded',
    keepAlive: true,
    expectContinue: false,
  })
})

test('header names are case-insensitive; values are trimmed; a tab may separate them', () => {
  const r = ok(['GET /v1/health HTTP/1.1', 'CONTENT-length:\t0\t', 'content-TYPE:   text/plain  '])
  assert.equal(r.contentLength, 0)
  assert.equal(r.contentType, 'text/plain')
})

test('keep-alive follows the version and the Connection header', () => {
  const cases: [string, string[], boolean][] = [
    ['HTTP/1.1', [], true],
    ['HTTP/1.1', ['Connection: close'], false],
    ['HTTP/1.1', ['Connection: Keep-Alive, Close'], false],
    ['HTTP/1.1', ['Connection: upgrade', 'Connection: close'], false],
    ['HTTP/1.0', [], false],
    ['HTTP/1.0', ['Connection: keep-alive'], true],
    ['HTTP/1.0', ['Connection: keep-alive, close'], false],
  ]
  for (const [version, fields, keepAlive] of cases) {
    assert.equal(ok([`GET /v1/health ${version}`, ...fields]).keepAlive, keepAlive, `${version} ${fields.join('; ')}`)
  }
})

test('chunked transfer coding and Expect: 100-continue are read', () => {
  const r = ok(['POST /v1/backup?backup_id=b HTTP/1.1', 'Transfer-Encoding: Chunked', 'Expect: 100-Continue'])
  assert.deepEqual([r.chunked, r.contentLength, r.expectContinue], [true, 0, true])
})

test('what cannot be framed or read without guessing is refused, with the status that says why', () => {
  const cases: [string, string[], number, RegExp][] = [
    ['not HTTP', ['NOT HTTP AT ALL'], 400, /request line "NOT HTTP AT ALL"/],
    ['no version', ['GET /v1/health'], 400, /request line/],
    ['lower-case version', ['GET /v1/health http/1.1'], 400, /request line/],
    ['two spaces', ['GET  /v1/health HTTP/1.1'], 400, /request line/],
    ['HTTP/2.0', ['GET /v1/health HTTP/2.0'], 505, /HTTP\/2\.0 is not served/],
    ['HTTP/1.2', ['GET /v1/health HTTP/1.2'], 505, /HTTP\/1\.2/],
    ['absolute form', ['GET http://example.test/v1/health HTTP/1.1'], 400, /not a path/],
    ['asterisk form', ['OPTIONS * HTTP/1.1'], 400, /not a path/],
    ['no colon', ['GET /v1/health HTTP/1.1', 'Bad Header Line'], 400, /header line "Bad Header Line"/],
    ['space before the colon', ['GET /v1/health HTTP/1.1', 'Content-Length : 5'], 400, /header line/],
    ['obs-fold', ['GET /v1/health HTTP/1.1', 'X-A: 1', ' continued'], 400, /header line/],
    ['bare LF in a line', ['GET /v1/health HTTP/1.1', 'X-A: 1\nContent-Length: 5'], 400, /header line/],
    ['bare CR in a value', ['GET /v1/health HTTP/1.1', 'X-A: 1\r5'], 400, /header line/],
    ['NUL in a value', ['GET /v1/health HTTP/1.1', 'X-A: a\u0000b'], 400, /header line/],
    ['Content-Length twice', ['POST /v1/backup HTTP/1.1', 'Content-Length: 5', 'Content-Length: 5'], 400, /more than once/],
    ['Content-Length a list', ['POST /v1/backup HTTP/1.1', 'Content-Length: 5, 5'], 400, /not a number/],
    ['Content-Length signed', ['POST /v1/backup HTTP/1.1', 'Content-Length: +5'], 400, /not a number/],
    ['Content-Length hex', ['POST /v1/backup HTTP/1.1', 'Content-Length: 0x10'], 400, /not a number/],
    ['Content-Type twice', ['POST /v1/backup HTTP/1.1', 'Content-Type: a/b', 'Content-Type: c/d'], 400, /Content-Type is given more than once/],
    ['chunked and a length', ['POST /v1/backup HTTP/1.1', 'Transfer-Encoding: chunked', 'Content-Length: 5'], 400, /both Transfer-Encoding and Content-Length/],
    ['chunked in HTTP/1.0', ['POST /v1/backup HTTP/1.0', 'Transfer-Encoding: chunked'], 400, /not allowed in HTTP\/1\.0/],
    ['another coding', ['POST /v1/backup HTTP/1.1', 'Transfer-Encoding: gzip, chunked'], 501, /"gzip, chunked" is not served/],
    ['chunked twice', ['POST /v1/backup HTTP/1.1', 'Transfer-Encoding: chunked', 'Transfer-Encoding: chunked'], 501, /not served/],
    ['another expectation', ['POST /v1/backup HTTP/1.1', 'Expect: something'], 417, /Expect "something"/],
  ]
  for (const [name, lines, status, reason] of cases) {
    const r = head(lines)
    assert.ok(isHeadRefusal(r), `${name}: refused`)
    assert.equal(r.status, status, name)
    assert.match(r.reason, reason, name)
  }
})

test('a long or hostile value is shown quoted and cut in the reason', () => {
  const r = head([`GET /v1/health ${'A'.repeat(200)}`])
  assert.ok(isHeadRefusal(r))
  assert.ok(r.reason.length < 140, r.reason)
  const ctl = head(['GET /v1/health HTTP/1.1', 'X\u001b[31m: 1'])
  assert.ok(isHeadRefusal(ctl))
  assert.match(ctl.reason, /\\u001b/)
})
