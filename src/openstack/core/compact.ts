/** Copies an object without its undefined fields (request bodies send only what was given). */
export function compact(o: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))
}
