/**
 * An HTTP/1.x request head (request line and header fields, RFC 9112 §3 and §5), parsed strictly:
 * whatever the protection API cannot read without guessing is refused, so no two readers (a proxy
 * in front and this server) can frame the same bytes differently. Only the fields the API uses
 * are kept; the others are checked for syntax and dropped.
 */

export interface RequestHead {
  readonly method: string
  /** The request target as sent, in origin form (`/v1/backup?backup_id=…`). */
  readonly target: string
  /** HTTP/1.0 or HTTP/1.1. */
  readonly minor: 0 | 1
  /** The body's length when framed by Content-Length (0 when neither it nor chunked is given). */
  readonly contentLength: number
  /** The body comes in chunks (Transfer-Encoding: chunked). */
  readonly chunked: boolean
  readonly contentType: string | undefined
  /** The client keeps the connection open after the answer (HTTP/1.1 unless `close`; HTTP/1.0 with `keep-alive`). */
  readonly keepAlive: boolean
  /** `Expect: 100-continue`: the client waits for an interim answer before it sends its body. */
  readonly expectContinue: boolean
}

/** Why a head cannot be read, with the status that says so (the API answers False with it). */
export interface HeadRefusal {
  readonly status: 400 | 417 | 501 | 505
  readonly reason: string
}

const REQUEST_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) (\S+) HTTP\/(\d)\.(\d)$/
const FIELD = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$/
/** Control characters a field value may not hold (HTAB is allowed). */
const BAD_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/
/** A request target the API can route: origin form, visible ASCII. */
const ORIGIN_FORM = /^\/[\x21-\x7e]*$/
const DIGITS = /^\d{1,15}$/

/**
 * Parses a head given as latin1 text, without its final empty line (`\r\n\r\n`). Never throws.
 */
export function parseRequestHead(text: string): RequestHead | HeadRefusal {
  const lines = text.split('\r\n')
  const line = lines[0]!
  const m = REQUEST_LINE.exec(line)
  if (!m) return refuse(400, `the request line ${shown(line)} is not "METHOD /path HTTP/1.1"`)
  if (m[3] !== '1' || (m[4] !== '0' && m[4] !== '1')) return refuse(505, `HTTP/${m[3]}.${m[4]} is not served; accepted: HTTP/1.1 or HTTP/1.0`)
  const target = m[2]!
  if (!ORIGIN_FORM.test(target)) return refuse(400, `the request target ${shown(target)} is not a path; accepted: /v1/…`)
  const minor = m[4] === '1' ? 1 : 0
  let contentLength: string | undefined
  let transferEncoding: string | undefined
  let contentType: string | undefined
  let connection = ''
  let expect: string | undefined
  for (let i = 1; i < lines.length; i++) {
    const field = lines[i]!
    const f = FIELD.exec(field)
    // A bare CR or LF inside a line, obs-fold (a line that starts with a space) and a space
    // before the colon all fail here.
    if (!f || BAD_VALUE.test(f[2]!)) return refuse(400, `the header line ${shown(field)} is not "Name: value"`)
    const name = f[1]!.toLowerCase()
    const value = f[2]!
    if (name === 'content-length') {
      if (contentLength !== undefined) return refuse(400, 'Content-Length is given more than once; accepted: once')
      if (!DIGITS.test(value)) return refuse(400, `Content-Length ${shown(value)} is not a number of bytes`)
      contentLength = value
    } else if (name === 'transfer-encoding') {
      transferEncoding = transferEncoding === undefined ? value : `${transferEncoding}, ${value}`
    } else if (name === 'content-type') {
      if (contentType !== undefined) return refuse(400, 'Content-Type is given more than once; accepted: once')
      contentType = value
    } else if (name === 'connection') {
      connection = connection === '' ? value.toLowerCase() : `${connection},${value.toLowerCase()}`
    } else if (name === 'expect') {
      expect = value.toLowerCase()
    }
  }
  let chunked = false
  if (transferEncoding !== undefined) {
    if (contentLength !== undefined) return refuse(400, 'both Transfer-Encoding and Content-Length are given; accepted: one of them')
    if (minor === 0) return refuse(400, 'Transfer-Encoding is not allowed in HTTP/1.0')
    if (transferEncoding.trim().toLowerCase() !== 'chunked') {
      return refuse(501, `Transfer-Encoding ${shown(transferEncoding)} is not served; accepted: chunked`)
    }
    chunked = true
  }
  if (expect !== undefined && expect !== '100-continue') return refuse(417, `Expect ${shown(expect)} is not served; accepted: 100-continue`)
  const tokens = connection === '' ? [] : connection.split(',').map((t) => t.trim())
  const keepAlive = minor === 1 ? !tokens.includes('close') : tokens.includes('keep-alive') && !tokens.includes('close')
  return {
    method: m[1]!,
    target,
    minor,
    contentLength: contentLength === undefined ? 0 : Number(contentLength),
    chunked,
    contentType,
    keepAlive,
    expectContinue: expect === '100-continue',
  }
}

export function isHeadRefusal(r: RequestHead | HeadRefusal): r is HeadRefusal {
  return 'status' in r
}

function refuse(status: HeadRefusal['status'], reason: string): HeadRefusal {
  return { status, reason }
}

/** A piece of the request as shown in a reason: JSON-quoted (control characters escaped), at most 80 characters. */
function shown(s: string): string {
  const text = JSON.stringify(s.length > 80 ? `${s.slice(0, 77)}...` : s)
  return text
}
