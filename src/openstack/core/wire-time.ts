/**
 * Parses an API timestamp. Cinder and Nova send some without a zone (`2026-11-22T01:02:03.000000`);
 * they are UTC, so a zone-less value gets a `Z`. Returns undefined for null/empty/unparseable.
 */
export function parseWireTime(value: string | null | undefined): Date | undefined {
  if (value === null || value === undefined || value === '') return undefined
  const hasZone = /(Z|[+-]\d\d:?\d\d)$/i.test(value)
  const iso = (hasZone ? value : `${value}Z`).replace(' ', 'T')
  const ms = Date.parse(iso)
  return Number.isNaN(ms) ? undefined : new Date(ms)
}

/** Like parseWireTime for fields the API always sends; an absent value becomes the epoch. */
export function parseRequiredWireTime(value: string | null | undefined): Date {
  return parseWireTime(value) ?? new Date(0)
}
