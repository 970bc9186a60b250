import { UserError } from '../domain/errors.ts'

export interface SecretSources {
  readonly env: Readonly<Record<string, string | undefined>>
  readonly readFile: (path: string) => Promise<string> | string
}

export interface EnvSecret {
  /** What the secret is, in messages: "webhook secret", "SMTP password". */
  readonly what: string
  /** The variable holding the secret itself. */
  readonly envVar: string
  /** The variable naming a file that holds it. */
  readonly fileVar: string
  /** Whitespace is trimmed on both ends (a signing key), or only a file's trailing newline (a password). */
  readonly trim: 'both' | 'newline'
}

/**
 * A secret from the environment or from the file it names; undefined when neither is set. Never from
 * the config file or the command line (it would show in `ps`). Errors name the variable and the file,
 * never the content.
 */
export async function readEnvSecret({ env, readFile }: SecretSources, s: EnvSecret): Promise<string | undefined> {
  const clean = (text: string): string => (s.trim === 'both' ? text.trim() : text.replace(/\r?\n$/, ''))
  const inline = clean(env[s.envVar] ?? '') || undefined
  const file = env[s.fileVar]?.trim() || undefined
  if (inline !== undefined && file !== undefined) throw new UserError(`set only one of ${s.envVar} and ${s.fileVar}`, 'CONFIG_INVALID')
  if (file === undefined) return inline
  let text: string
  try {
    text = await readFile(file)
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code
    throw new UserError(`cannot read the ${s.what} file ${file} (named by ${s.fileVar}): ${typeof code === 'string' ? code : 'unreadable'}`, 'CONFIG_NOT_FOUND')
  }
  const secret = clean(text)
  if (secret === '') throw new UserError(`the ${s.what} file ${file} (named by ${s.fileVar}) is empty`, 'CONFIG_INVALID')
  return secret
}
