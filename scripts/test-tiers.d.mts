// Types for test-tiers.mjs (tests/test-tiers.test.ts imports it).
export interface TestTier {
  readonly name: string
  readonly concurrency: number
  readonly roots: readonly string[]
  readonly except: readonly string[]
  readonly mayBeEmpty?: boolean
}
export declare const TIERS: readonly TestTier[]
export declare function testFilesUnder(root: string, dir?: string): string[]
export declare function tierByName(name: string): TestTier
export declare function tierFiles(root: string, tier: string | TestTier, tiers?: readonly TestTier[]): string[]
export declare function placementProblems(root: string, tiers?: readonly TestTier[]): string[]
