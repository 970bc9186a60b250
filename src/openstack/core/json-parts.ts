/**
 * JSON.parse of a body that came as several decoded parts (body-text.ts), without joining them into
 * one string first. A listing page (`{"snapshots": [...1,000 items...], "snapshots_links": [...]}`)
 * is about 1 MiB: joined, it is a string of V8's large-object space, outside the young generation,
 * and 16 pages of a poll round held 7 MiB of them at a 10k-volume cycle's peak. Here each value of
 * the top-level object is parsed on its own, and each item of a top-level array on its own, from
 * the parts (an item that straddles two parts is a small concatenation): no string larger than an
 * item or a part is made.
 *
 * The result is JSON.parse's for every input: the scanner only finds where each value ends, and
 * JSON.parse reads each value (a slice that parses is exactly the value the whole parse would have
 * read there: JSON values are self-delimiting). Anything the scanner does not expect (a body that is
 * not an object, a stray character, invalid JSON anywhere) is parsed as the joined text instead, so
 * an invalid body throws JSON.parse's own SyntaxError.
 */
export function parseJsonParts(parts: readonly string[], items?: ItemTaker): unknown {
  if (parts.length === 1) return takeItems(JSON.parse(parts[0]!), items)
  let value: unknown
  try {
    value = new PartsScanner(parts, items).topObject()
  } catch (err) {
    if (err instanceof ItemTakeFailed) throw err
    value = FALLBACK
  }
  return value === FALLBACK ? takeItems(JSON.parse(parts.join('')), items) : value
}

/**
 * What a listing keeps of each item of the answer's top-level array `key`: `take` gets each item as
 * it is parsed, and the array holds what it returns (the caller's parsed record, or a marker of its
 * own for an item it leaves out). The raw item is let go at once, not kept with the rest of its
 * page until the page is read.
 */
export interface ItemTaker {
  readonly key: string
  readonly take: (raw: unknown) => unknown
}

/** `take` threw: the caller's error (not a body that is not JSON), in `cause`. */
export class ItemTakeFailed {
  readonly cause: unknown
  constructor(cause: unknown) {
    this.cause = cause
  }
}

function take(items: ItemTaker, raw: unknown): unknown {
  try {
    return items.take(raw)
  } catch (err) {
    throw new ItemTakeFailed(err)
  }
}

/** A body parsed whole: its `key` array's items taken (the same as the parts' parse gives). */
function takeItems(body: unknown, items: ItemTaker | undefined): unknown {
  if (items === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) return body
  const list = (body as Record<string, unknown>)[items.key]
  if (Array.isArray(list) && Object.hasOwn(body, items.key)) for (let k = 0; k < list.length; k++) list[k] = take(items, list[k])
  return body
}

const FALLBACK = Symbol('fallback')

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c
const COLON = 0x3a
const LBRACE = 0x7b
const RBRACE = 0x7d
const LBRACKET = 0x5b
const RBRACKET = 0x5d

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09
}

/** A position in the parts: part `p`, offset `i`. */
class PartsScanner {
  readonly #parts: readonly string[]
  readonly #items: ItemTaker | undefined
  #takeFailed: ItemTakeFailed | undefined
  #p = 0
  #i = 0

  constructor(parts: readonly string[], items: ItemTaker | undefined) {
    this.#parts = parts
    this.#items = items
  }

  /** The body's top-level object, its array values item by item; FALLBACK when it is not one. */
  topObject(): unknown {
    if (this.#skipSpace() !== LBRACE) return FALLBACK
    this.#i++
    const out: Record<string, unknown> = {}
    let c = this.#skipSpace()
    if (c === RBRACE) {
      this.#i++
      return this.#atEnd() ? out : FALLBACK
    }
    // Bounded: every pass reads one member and moves past it, or ends.
    for (;;) {
      if (c !== QUOTE) return FALLBACK
      const key = this.#parseValue()
      if (typeof key !== 'string' || this.#skipSpace() !== COLON) return FALLBACK
      this.#i++
      const value = this.#skipSpace() === LBRACKET ? this.#array(key === this.#items?.key ? this.#items : undefined) : this.#parseValue()
      if (value === FALLBACK) return FALLBACK
      // As JSON.parse: an own property even for "__proto__".
      if (key === '__proto__') Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true })
      else out[key] = value
      c = this.#skipSpace()
      this.#i++
      if (c === RBRACE) {
        if (!this.#atEnd()) return FALLBACK
        if (this.#takeFailed !== undefined) throw this.#takeFailed
        return out
      }
      if (c !== COMMA) return FALLBACK
      c = this.#skipSpace()
    }
  }

  /** A top-level array, each item parsed on its own (and taken, for the taker's key); the scanner is at its `[`. */
  #array(items: ItemTaker | undefined): unknown[] | typeof FALLBACK {
    this.#i++
    const list: unknown[] = []
    let c = this.#skipSpace()
    if (c === RBRACKET) {
      this.#i++
      return list
    }
    for (;;) {
      const raw = this.#parseValue()
      list.push(items === undefined ? raw : this.#take(items, raw))
      c = this.#skipSpace()
      this.#i++
      if (c === RBRACKET) return list
      if (c !== COMMA) return FALLBACK
      this.#skipSpace()
    }
  }

  /**
   * An item taken; a take that throws is thrown once the whole body was read and found to be JSON
   * (an invalid body is refused as JSON.parse refuses it, whatever its items).
   */
  #take(items: ItemTaker, raw: unknown): unknown {
    if (this.#takeFailed !== undefined) return undefined
    try {
      return take(items, raw)
    } catch (err) {
      this.#takeFailed = err as ItemTakeFailed
      return undefined
    }
  }

  /** The value starting here, read by JSON.parse from its own slice (throws when it is not JSON). */
  #parseValue(): unknown {
    const p0 = this.#p
    const i0 = this.#i
    this.#scanValue()
    return JSON.parse(this.#slice(p0, i0))
  }

  /** Moves past the value starting here: a string, object or array to its end, else up to a delimiter. */
  #scanValue(): void {
    const parts = this.#parts
    const first = this.#peek()
    if (first === QUOTE || first === LBRACE || first === LBRACKET) {
      let depth = 0
      let inString = false
      /** The previous character (in an earlier part) was an escaping backslash. */
      let escaped = false
      for (; this.#p < parts.length; this.#p++, this.#i = 0) {
        const s = parts[this.#p]!
        let i = this.#i
        while (i < s.length) {
          if (inString) {
            if (escaped) {
              escaped = false
              i++
              continue
            }
            // Most of a page is string content: jump to the next quote; it ends the string unless an
            // odd run of backslashes is right before it.
            const q = s.indexOf('"', i)
            const end = q === -1 ? s.length : q
            let run = 0
            while (end - run - 1 >= i && s.charCodeAt(end - run - 1) === BACKSLASH) run++
            if (q === -1) {
              escaped = run % 2 === 1
              i = s.length
            } else if (run % 2 === 1) {
              i = q + 1
            } else {
              inString = false
              i = q + 1
              if (depth === 0) {
                this.#i = i
                return
              }
            }
            continue
          }
          const c = s.charCodeAt(i)
          i++
          if (c === QUOTE) inString = true
          else if (c === LBRACE || c === LBRACKET) depth++
          else if (c === RBRACE || c === RBRACKET) {
            depth--
            if (depth <= 0) {
              this.#i = i
              return
            }
          }
        }
      }
      return
    }
    // A number, true, false or null: up to the next delimiter (JSON.parse checks what it is).
    for (; this.#p < parts.length; this.#p++, this.#i = 0) {
      const s = parts[this.#p]!
      for (let i = this.#i; i < s.length; i++) {
        const c = s.charCodeAt(i)
        if (c === COMMA || c === RBRACE || c === RBRACKET || isSpace(c)) {
          this.#i = i
          return
        }
      }
    }
  }

  /** The text from (p0, i0) to the current position. */
  #slice(p0: number, i0: number): string {
    const parts = this.#parts
    if (p0 === this.#p) return parts[p0]!.slice(i0, this.#i)
    let text = parts[p0]!.slice(i0)
    for (let p = p0 + 1; p < this.#p && p < parts.length; p++) text += parts[p]!
    if (this.#p < parts.length) text += parts[this.#p]!.slice(0, this.#i)
    return text
  }

  /** The character here (-1 at the end), moving over ended parts. */
  #peek(): number {
    const parts = this.#parts
    while (this.#p < parts.length && this.#i >= parts[this.#p]!.length) {
      this.#p++
      this.#i = 0
    }
    return this.#p < parts.length ? parts[this.#p]!.charCodeAt(this.#i) : -1
  }

  /** Moves over JSON whitespace; the character then (-1 at the end). */
  #skipSpace(): number {
    let c = this.#peek()
    while (c !== -1 && isSpace(c)) {
      this.#i++
      c = this.#peek()
    }
    return c
  }

  #atEnd(): boolean {
    return this.#skipSpace() === -1
  }
}
