/** A small seeded PRNG (mulberry32): the simulator's only source of randomness, so runs repeat. */
export interface Prng {
  /** A float in [0, 1). */
  next(): number
  /** An integer in [0, n). */
  int(n: number): number
  /** A UUID v4-shaped string built from this generator. */
  uuid(): string
  /** 32 lowercase hex digits, like Keystone ids. */
  hex32(): string
}

const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

export function createPrng(seed: number): Prng {
  let a = seed >>> 0
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const hex = (n: number): string => {
    let s = ''
    while (s.length < n) {
      const x = Math.floor(next() * 0x100000000)
      s += (HEX[x >>> 24] as string) + (HEX[(x >>> 16) & 255] as string) + (HEX[(x >>> 8) & 255] as string) + (HEX[x & 255] as string)
    }
    return s.length === n ? s : s.slice(0, n)
  }
  return {
    next,
    int: (n) => Math.floor(next() * n),
    hex32: () => hex(32),
    uuid: () => {
      const h = hex(32)
      const variant = ((parseInt(h[16] ?? '0', 16) & 0x3) | 0x8).toString(16)
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`
    },
  }
}
