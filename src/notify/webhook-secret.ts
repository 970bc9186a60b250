import { UserError } from '../domain/errors.ts'

export const WEBHOOK_SECRET_ENV = 'SNAPWARDEN_WEBHOOK_SECRET'
export const WEBHOOK_SECRET_FILE_ENV = 'SNAPWARDEN_WEBHOOK_SECRET_FILE'

export interface SecretSources {
  readonly env: Readonly<Record<string, string | undefined>>
  readonly readFile: (path: string) => Promise<string> | string
}

/**
 * The webhook's signing secret, from SNAPWARDEN_WEBHOOK_SECRET or from the file named by
 * SNAPWARDEN_WEBHOOK_SECRET_FILE (trimmed); undefined when neither is set. Never from the command
 * line (it would show in `ps`). Errors name the variable and the file, never the content.
 */
export async function readWebhookSecret({ env, readFile }: SecretSources): Promise<string | undefined> {
  const inline = env[WEBHOOK_SECRET_ENV]?.trim() || undefined
  const file = env[WEBHOOK_SECRET_FILE_ENV]?.trim() || undefined
  if (inline !== undefined && file !== undefined) {
    throw new UserError(`set only one of ${WEBHOOK_SECRET_ENV} and ${WEBHOOK_SECRET_FILE_ENV}`, 'CONFIG_INVALID')
  }
  if (file === undefined) return inline
  let text: string
  try {
    text = await readFile(file)
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code
    const why = typeof code === 'string' ? code : 'unreadable'
    throw new UserError(`cannot read the webhook secret file ${file} (named by ${WEBHOOK_SECRET_FILE_ENV}): ${why}`, 'CONFIG_NOT_FOUND')
  }
  const secret = text.trim()
  if (secret === '') {
    throw new UserError(`the webhook secret file ${file} (named by ${WEBHOOK_SECRET_FILE_ENV}) is empty`, 'CONFIG_INVALID')
  }
  return secret
}
