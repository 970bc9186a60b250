// The rooms of src/ and who may import whom: ../shared/STYLE.md §2 as data. scripts/check-layers.mjs
// enforces it; tests/layers.test.ts checks that it and STYLE.md's table agree. Importing this runs nothing.

/** room → the other rooms it may import (its own room always); null: everything (the composition root). */
export const ALLOWED = {
  domain: [],
  openstack: ['openstack'],
  planner: ['domain'],
  executor: ['domain', 'planner'],
  store: ['domain'],
  cloud: ['domain', 'openstack'],
  config: ['domain'],
  cycles: ['domain', 'planner', 'executor'],
  daemon: ['domain', 'cycles'],
  api: ['domain'],
  notify: ['domain'],
  simulator: ['simulator'], // STYLE.md §1: "imports nothing else of src/ (it is another program)"
  cli: null, // composition root: may import everything
}

/** Pure rooms may not touch I/O or ambient time/randomness. */
export const PURE = new Set(['planner', 'domain'])
export const IMPURE = [/from ['"]node:/, /\bDate\.now\(/, /\bMath\.random\(/, /\bsetTimeout\(/, /\bnew Date\(\)/]
