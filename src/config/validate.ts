import type { Config } from './schema.ts'
import { ConfigSchema } from './schema.ts'

export interface ConfigProblem {
  readonly path: string
  readonly code: 'CONFIG_INVALID'
  readonly message: string
}

export type ValidationResult = { readonly ok: true; readonly config: Config } | { readonly ok: false; readonly problems: readonly ConfigProblem[] }

/** Validates a parsed document; returns every problem with its path, never throws on bad input. */
export function validateConfig(doc: unknown): ValidationResult {
  const parsed = ConfigSchema.safeParse(doc ?? {})
  if (parsed.success) return { ok: true, config: parsed.data }
  return {
    ok: false,
    problems: parsed.error.issues.map((i) => ({
      path: i.path.join('.') || '(root)',
      code: 'CONFIG_INVALID' as const,
      message: i.code === 'unrecognized_keys' ? `unknown option(s) ${i.keys.join(', ')}` : i.message,
    })),
  }
}

/** Seconds of a duration option (number of seconds or Staffeln's grammar with fixed-length units). */
export function durationSeconds(value: number | string): number {
  if (typeof value === 'number') return value
  const units: Record<string, number> = { y: 365 * 86400, mon: 30 * 86400, w: 7 * 86400, d: 86400, h: 3600, min: 60, s: 1 }
  let total = 0
  for (const m of value.matchAll(/(\d+)(y|mon|w|d|h|min|s)/g)) total += Number(m[1]) * (units[m[2] ?? 's'] ?? 1)
  return total
}
