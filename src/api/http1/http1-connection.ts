/**
 * One HTTP/1.1 connection of the protection API: reads requests (head, then a body framed by
 * Content-Length or chunked), hands each whole request to the service, writes its answer with one
 * write, and reads the next (pipelined requests are answered in order, one at a time). Bytes it
 * cannot frame without guessing are answered by the service's refusal and the connection closes.
 *
 * Why not node:http: Cinder asks on every backup delete, and node:http's request and response
 * objects and streams cost more CPU than the decision itself (BENCHMARKS.md, Protection API).
 */
import type { Socket } from 'node:net'
import { answerBytes, type Answer } from './answer-bytes.ts'
import { ChunkedBody } from './chunked-body.ts'
import { isHeadRefusal, parseRequestHead, type RequestHead } from './request-head.ts'

export interface Http1Request {
  readonly method: string
  /** The request target as sent (`/v1/backup?backup_id=…`). */
  readonly target: string
  readonly contentType: string | undefined
  /** The body as UTF-8 text; undefined when there is none or it is over the limit. */
  readonly body: string | undefined
  /** The body's size in bytes (declared, or read) when it is over the limit. */
  readonly overLimit?: number
}

export interface Http1Service {
  answer(req: Http1Request): Answer | Promise<Answer>
  /** The answer (and its log line) to bytes that are not a request this server reads; the connection then closes. */
  refuse(status: number, reason: string): Answer
  /** Called with each request head once it is read (an observer: tests). */
  readonly onHead?: (head: RequestHead) => void
}

export interface Http1Limits {
  /** The request line and header fields together (node:http's default: 16 KiB). */
  readonly maxHeadBytes: number
  /** A body up to this size is read; a larger one is read and dropped, and `overLimit` set. */
  readonly bodyLimit: number
  /** A body declared (or sent) beyond this is not read: the answer closes the connection. */
  readonly declaredLimit: number
  /** An idle keep-alive connection is closed after this long. */
  readonly keepAliveMs: number
  /** A request not read whole this long after its first byte is answered 408 and its connection closed. */
  readonly requestTimeoutMs: number
}

/** Shared by a server's connections: true once it closes (every answer then closes its connection). */
export interface ServerState {
  closing: boolean
}

const HEAD_END = Buffer.from('\r\n\r\n')
const CONTINUE = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n')
/** Unread bytes a busy connection buffers before it stops reading from its socket. */
const PAUSE_AT = 256 * 1024

type Phase = 'head' | 'body' | 'busy' | 'closed'

export class Http1Connection {
  readonly #socket: Socket
  readonly #service: Http1Service
  readonly #limits: Http1Limits
  readonly #server: ServerState
  #buf: Buffer | undefined
  /** Where the search for the head's end resumes (bytes before it were searched already). */
  #scanned = 0
  #phase: Phase = 'head'
  /** Date.now() when the request's first byte arrived (0: no request is being read). */
  #requestStartedMs = 0
  #head: RequestHead | undefined
  #bodyLeft = 0
  #chunked: ChunkedBody | undefined
  #pieces: Buffer[] = []
  #bodyBytes = 0
  #paused = false
  #peerEnded = false

  constructor(socket: Socket, service: Http1Service, limits: Http1Limits, server: ServerState) {
    this.#socket = socket
    this.#service = service
    this.#limits = limits
    this.#server = server
    socket.setNoDelay(true)
    socket.setTimeout(limits.keepAliveMs, () => this.#onIdle())
    socket.on('data', (chunk: Buffer) => this.#onData(chunk))
    // A client that goes away gets no answer (nobody to read it); nothing is logged.
    socket.on('error', () => socket.destroy())
    socket.on('end', () => this.#onEnd())
  }

  /** True while the connection waits for the next request, with nothing of it read. */
  get idle(): boolean {
    return this.#phase === 'head' && this.#buf === undefined
  }

  /** The server closes: an idle connection is closed now; a busy one after its answer. */
  closeIfIdle(): void {
    if (this.idle) this.#close()
  }

  /** A request being read for longer than the limit is answered 408 (the server checks this periodically). */
  checkDeadline(nowMs: number): void {
    if (this.#requestStartedMs === 0 || this.#phase === 'busy' || this.#phase === 'closed') return
    if (nowMs - this.#requestStartedMs >= this.#limits.requestTimeoutMs) {
      this.#refuse(408, `the request was not read whole within ${this.#limits.requestTimeoutMs / 1000} s`)
    }
  }

  #onIdle(): void {
    if (this.idle) this.#close()
    // Otherwise a request is being read (checkDeadline answers it) or answered.
  }

  #onEnd(): void {
    // The client sent all it will send (the server allows half-open connections): a request being
    // answered is still answered; one not read whole never will be.
    this.#peerEnded = true
    if (this.#phase === 'head' || this.#phase === 'body') this.#close()
  }

  #onData(chunk: Buffer): void {
    if (this.#phase === 'closed') return
    if (this.#requestStartedMs === 0) this.#requestStartedMs = Date.now()
    this.#buf = this.#buf === undefined ? chunk : Buffer.concat([this.#buf, chunk])
    if (this.#phase === 'busy') {
      if (this.#buf.length > PAUSE_AT && !this.#paused) {
        this.#paused = true
        this.#socket.pause()
      }
      return
    }
    this.#advance()
  }

  /** Reads as far as the buffered bytes go; answers each whole request. */
  #advance(): void {
    while (this.#buf !== undefined && (this.#phase === 'head' || this.#phase === 'body')) {
      if (this.#phase === 'head' ? !this.#readHead() : !this.#readBody()) return
    }
  }

  /** True when it made progress (a head was read or refused). */
  #readHead(): boolean {
    let buf = this.#buf!
    // RFC 9112 §2.2: empty lines before a request line are ignored.
    let blank = 0
    while (buf.length - blank >= 2 && buf[blank] === 0x0d && buf[blank + 1] === 0x0a) blank += 2
    if (blank > 0) {
      this.#take(blank)
      this.#scanned = Math.max(0, this.#scanned - blank)
      if (this.#buf === undefined) return false
      buf = this.#buf
    }
    const end = buf.indexOf(HEAD_END, this.#scanned)
    if (end < 0) {
      if (buf.length > this.#limits.maxHeadBytes) this.#refuse(431, `the request head is over ${this.#limits.maxHeadBytes} bytes`)
      else this.#scanned = Math.max(0, buf.length - 3)
      return false
    }
    if (end > this.#limits.maxHeadBytes) {
      this.#refuse(431, `the request head is over ${this.#limits.maxHeadBytes} bytes`)
      return false
    }
    const parsed = parseRequestHead(buf.toString('latin1', 0, end))
    if (isHeadRefusal(parsed)) {
      this.#refuse(parsed.status, parsed.reason)
      return false
    }
    this.#take(end + 4)
    this.#scanned = 0
    this.#head = parsed
    this.#service.onHead?.(parsed)
    if (parsed.contentLength > this.#limits.declaredLimit) {
      // Not read: reading it first could wait for ever (or for megabytes).
      this.#dispatch(parsed, undefined, parsed.contentLength, true)
      return false
    }
    if (parsed.chunked || parsed.contentLength > 0) {
      this.#phase = 'body'
      this.#bodyLeft = parsed.contentLength
      this.#chunked = parsed.chunked ? new ChunkedBody() : undefined
      this.#pieces = []
      this.#bodyBytes = 0
      if (parsed.expectContinue) this.#socket.write(CONTINUE)
      return true
    }
    this.#dispatch(parsed, undefined, undefined, false)
    return true
  }

  /** True when the body is complete (and dispatched) or more buffered bytes may be read. */
  #readBody(): boolean {
    const buf = this.#buf!
    let used: number
    if (this.#chunked) {
      const fed = this.#chunked.feed(buf, 0, (piece) => this.#keep(piece))
      if (typeof fed !== 'number') {
        this.#refuse(400, `the chunked body cannot be read: ${fed.error}`)
        return false
      }
      used = fed
      if (this.#bodyBytes > this.#limits.declaredLimit) {
        this.#take(used)
        this.#dispatch(this.#head!, undefined, this.#bodyBytes, true)
        return false
      }
    } else {
      used = Math.min(this.#bodyLeft, buf.length)
      this.#keep(buf.subarray(0, used))
      this.#bodyLeft -= used
    }
    this.#take(used)
    const complete = this.#chunked ? this.#chunked.done : this.#bodyLeft === 0
    if (!complete) return false
    const over = this.#bodyBytes > this.#limits.bodyLimit
    const pieces = this.#pieces
    const body = over || this.#bodyBytes === 0 ? undefined : (pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces)).toString('utf8')
    this.#pieces = []
    this.#chunked = undefined
    this.#dispatch(this.#head!, body, over ? this.#bodyBytes : undefined, false)
    return true
  }

  #keep(piece: Buffer): void {
    this.#bodyBytes += piece.length
    if (this.#bodyBytes <= this.#limits.bodyLimit) this.#pieces.push(piece)
    else this.#pieces = []
  }

  /** Drops the first `n` buffered bytes. */
  #take(n: number): void {
    const buf = this.#buf!
    this.#buf = n >= buf.length ? undefined : buf.subarray(n)
  }

  #dispatch(head: RequestHead, body: string | undefined, overLimit: number | undefined, mustClose: boolean): void {
    this.#phase = 'busy'
    const req: Http1Request = {
      method: head.method,
      target: head.target,
      contentType: head.contentType,
      body,
      ...(overLimit !== undefined ? { overLimit } : {}),
    }
    const close = mustClose || !head.keepAlive
    let answer: Answer | Promise<Answer>
    try {
      answer = this.#service.answer(req)
    } catch (err) {
      answer = this.#service.refuse(500, `the answer failed: ${err instanceof Error ? err.message : String(err)}`)
    }
    if (answer instanceof Promise) {
      answer.then(
        (a) => this.#write(a, head.method === 'HEAD', close, true),
        (err: unknown) => this.#write(this.#service.refuse(500, `the answer failed: ${err instanceof Error ? err.message : String(err)}`), false, close, true),
      )
    } else {
      this.#write(answer, head.method === 'HEAD', close, false)
    }
  }

  #write(a: Answer, head: boolean, mustClose: boolean, resume: boolean): void {
    if (this.#phase === 'closed' || this.#socket.destroyed) return
    const close = mustClose || this.#server.closing
    const bytes = answerBytes(a, { head, close, keepAliveSeconds: Math.round(this.#limits.keepAliveMs / 1000) }, Date.now())
    if (close) {
      this.#phase = 'closed'
      this.#socket.end(bytes, () => this.#socket.destroy())
      return
    }
    this.#socket.write(bytes)
    this.#phase = 'head'
    this.#head = undefined
    this.#requestStartedMs = this.#buf === undefined ? 0 : Date.now()
    if (this.#paused) {
      this.#paused = false
      this.#socket.resume()
    }
    // Answered from a callback: the next pipelined request (if any) is read now. Answered
    // synchronously: the loop in #advance goes on.
    if (!resume) return
    this.#advance()
    // The client has ended: what it sent has been answered; a request not read whole never will be.
    if (this.#peerEnded && (this.#phase === 'head' || this.#phase === 'body')) this.#close()
  }

  /** Bytes this server cannot read as a request: the service's refusal, then the connection closes. */
  #refuse(status: number, reason: string): void {
    if (this.#phase === 'closed') return
    const a = this.#service.refuse(status, reason)
    this.#phase = 'closed'
    this.#buf = undefined
    this.#socket.end(answerBytes(a, { head: false, close: true, keepAliveSeconds: 0 }, Date.now()), () => this.#socket.destroy())
  }

  /** Ends the connection after whatever was written last (an answer still in the socket's buffer is sent). */
  #close(): void {
    this.#phase = 'closed'
    this.#socket.end(() => this.#socket.destroy())
  }
}
