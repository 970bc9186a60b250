// Types for layers.mjs (tests/layers.test.ts imports it).
export declare const ALLOWED: Readonly<Record<string, readonly string[] | null>>
export declare const PURE: ReadonlySet<string>
export declare const IMPURE: readonly RegExp[]
