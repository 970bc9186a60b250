import { StringDecoder } from 'node:string_decoder'

/**
 * An answer's body read as UTF-8 text, chunk by chunk as the socket gives it. A one-chunk body (an
 * item, a create's answer) is decoded once at the end. A longer one (a listing page of 1,000 items
 * comes in about fifteen 64 KiB chunks) is decoded as each chunk comes and its bytes are let go:
 * nothing holds the chunks until the end, no Buffer.concat copy of the whole page is made beside
 * them, and the page is not joined into one string (json-parts.ts). Those copies were memory
 * outside V8's young generation (Buffers, and a large-object string per page), so they piled up
 * between two scavenges: a poll round reading 16 pages held about 20 MiB of them at a 10k-volume
 * cycle's peak. Decoded parts of 64 KiB are in the young generation, where they are counted and
 * collected. A character split between two chunks is decoded whole.
 */
export class BodyText {
  #first: Buffer | undefined
  #decoder: StringDecoder | undefined
  #parts: string[] | undefined

  push(chunk: Buffer): void {
    if (this.#decoder === undefined) {
      if (this.#first === undefined) {
        this.#first = chunk
        return
      }
      this.#decoder = new StringDecoder('utf8')
      this.#parts = [this.#decoder.write(this.#first)]
      this.#first = undefined
    }
    this.#parts!.push(this.#decoder.write(chunk))
  }

  /**
   * The text as decoded parts, one per chunk (json-parts.ts parses them without joining them; the
   * text is `parts.join('')`). This object lets them go.
   */
  parts(): string[] {
    if (this.#decoder === undefined) {
      const first = this.#first
      this.#first = undefined
      return first === undefined ? [] : [first.toString('utf8')]
    }
    const parts = this.#parts ?? []
    this.#parts = undefined
    const rest = this.#decoder.end()
    if (rest !== '') parts.push(rest)
    return parts
  }
}
