/** Seconds of a duration option (number of seconds or Staffeln's grammar with fixed-length units). */
export function durationSeconds(value: number | string): number {
  if (typeof value === 'number') return value
  const units: Record<string, number> = { y: 365 * 86400, mon: 30 * 86400, w: 7 * 86400, d: 86400, h: 3600, min: 60, s: 1 }
  let total = 0
  for (const m of value.matchAll(/(\d+)(y|mon|w|d|h|min|s)/g)) total += Number(m[1]) * (units[m[2] ?? 's'] ?? 1)
  return total
}
