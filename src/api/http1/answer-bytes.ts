/**
 * An answer on the wire: status line, the API's headers, `date`, `connection` (and `keep-alive`),
 * and a short text body, as one buffer (one write per answer). The two answers Cinder gets on
 * nearly every check (200 True and 200 False, keep-alive) are built once per second.
 */
import { STATUS_CODES } from 'node:http'

export interface Answer {
  readonly status: number
  /** `True` or `False` (any short text). */
  readonly body: string
  /** Extra headers, e.g. `allow` on 405. */
  readonly headers?: readonly (readonly [string, string])[]
}

export interface AnswerOptions {
  /** HEAD: the headers (content-length included) without the body. */
  readonly head: boolean
  /** The connection closes after this answer. */
  readonly close: boolean
  /** Seconds an idle keep-alive connection is kept (the `keep-alive: timeout=` header). */
  readonly keepAliveSeconds: number
}

let cachedSecond = -1
let cachedDate = ''
const cachedOk = new Map<string, Buffer>()

/** The bytes of an answer; `nowMs` (the wall clock) sets the `date` header. */
export function answerBytes(a: Answer, o: AnswerOptions, nowMs: number): Buffer {
  const second = Math.floor(nowMs / 1000)
  if (second !== cachedSecond) {
    cachedSecond = second
    cachedDate = new Date(second * 1000).toUTCString()
    cachedOk.clear()
  }
  const common = a.status === 200 && a.headers === undefined && !o.head && !o.close && a.body.length < 8
  if (common) {
    const key = `${o.keepAliveSeconds} ${a.body}`
    const hit = cachedOk.get(key)
    if (hit) return hit
    const built = build(a, o)
    cachedOk.set(key, built)
    return built
  }
  return build(a, o)
}

function build(a: Answer, o: AnswerOptions): Buffer {
  let text =
    `HTTP/1.1 ${a.status} ${STATUS_CODES[a.status] ?? 'Unknown'}\r\n` +
    `content-type: text/plain; charset=utf-8\r\ncache-control: no-store\r\ncontent-length: ${Buffer.byteLength(a.body)}\r\n`
  for (const [name, value] of a.headers ?? []) text += `${name}: ${value}\r\n`
  text += `date: ${cachedDate}\r\n`
  text += o.close ? 'connection: close\r\n' : `connection: keep-alive\r\nkeep-alive: timeout=${o.keepAliveSeconds}\r\n`
  text += '\r\n'
  if (!o.head) text += a.body
  return Buffer.from(text, 'utf8')
}
