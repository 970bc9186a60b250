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

export { durationSeconds } from './duration.ts'
