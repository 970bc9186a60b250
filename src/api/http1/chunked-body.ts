/**
 * A request body in chunked transfer coding (RFC 9112 §7.1), decoded as its bytes arrive: chunk
 * sizes in hex (extensions ignored), each chunk's data and CRLF, a last chunk of size 0 and
 * optional trailer fields (read and dropped).
 */

const CRLF = Buffer.from('\r\n')
const SIZE_LINE = /^([0-9a-fA-F]{1,8})(?:[ \t]*;[\x09\x20-\x7e\x80-\xff]*)?$/
/** A chunk-size line (with its extensions) longer than this is not one. */
const MAX_SIZE_LINE = 1024
/** Trailer fields together may not exceed this. */
const MAX_TRAILERS = 16 * 1024

export interface ChunkedRefusal {
  readonly error: string
}

type State = 'size' | 'data' | 'data-end' | 'trailer' | 'done'

export class ChunkedBody {
  #state: State = 'size'
  #remaining = 0
  #trailerBytes = 0

  /** True once the last chunk and the trailer section have been read. */
  get done(): boolean {
    return this.#state === 'done'
  }

  /**
   * Reads what it can from `buf` starting at `at`, handing each piece of data to `onData`;
   * returns the offset of the first byte it did not consume (a line not yet complete stays
   * unconsumed), or why the bytes are not chunked coding. Stops after the last chunk.
   */
  feed(buf: Buffer, at: number, onData: (piece: Buffer) => void): number | ChunkedRefusal {
    for (;;) {
      switch (this.#state) {
        case 'size': {
          const end = buf.indexOf(CRLF, at)
          if (end < 0) return buf.length - at > MAX_SIZE_LINE ? { error: 'a chunk size line is too long' } : at
          const m = SIZE_LINE.exec(buf.toString('latin1', at, end))
          if (!m) return { error: 'a chunk size is not hexadecimal' }
          at = end + 2
          this.#remaining = parseInt(m[1]!, 16)
          this.#state = this.#remaining === 0 ? 'trailer' : 'data'
          break
        }
        case 'data': {
          const n = Math.min(this.#remaining, buf.length - at)
          if (n > 0) onData(buf.subarray(at, at + n))
          at += n
          this.#remaining -= n
          if (this.#remaining > 0) return at
          this.#state = 'data-end'
          break
        }
        case 'data-end':
          if (buf.length - at < 2) return at
          if (buf[at] !== 0x0d || buf[at + 1] !== 0x0a) return { error: 'a chunk does not end with CRLF' }
          at += 2
          this.#state = 'size'
          break
        case 'trailer': {
          const end = buf.indexOf(CRLF, at)
          if (end < 0) return this.#trailerBytes + buf.length - at > MAX_TRAILERS ? { error: 'the trailer fields are too long' } : at
          if (end === at) {
            this.#state = 'done'
            return at + 2
          }
          this.#trailerBytes += end + 2 - at
          if (this.#trailerBytes > MAX_TRAILERS) return { error: 'the trailer fields are too long' }
          at = end + 2
          break
        }
        case 'done':
          return at
      }
    }
  }
}
