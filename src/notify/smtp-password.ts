import { UserError } from '../domain/errors.ts'
import type { SecretSources } from './webhook-secret.ts'

export const SMTP_PASSWORD_ENV = 'SNAPWARDEN_SMTP_PASSWORD'
export const SMTP_PASSWORD_FILE_ENV = 'SNAPWARDEN_SMTP_PASSWORD_FILE'

/**
 * The SMTP password, from SNAPWARDEN_SMTP_PASSWORD or the file named by
 * SNAPWARDEN_SMTP_PASSWORD_FILE (trailing newline removed); undefined when neither is set. Never
 * from the config file or the command line. Errors name the variable and file, never the content.
 */
export async function readSmtpPassword({ env, readFile }: SecretSources): Promise<string | undefined> {
  const inline = env[SMTP_PASSWORD_ENV] || undefined
  const file = env[SMTP_PASSWORD_FILE_ENV]?.trim() || undefined
  if (inline !== undefined && file !== undefined) {
    throw new UserError(`set only one of ${SMTP_PASSWORD_ENV} and ${SMTP_PASSWORD_FILE_ENV}`, 'CONFIG_INVALID')
  }
  if (file === undefined) return inline
  let text: string
  try {
    text = await readFile(file)
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code
    throw new UserError(`cannot read the SMTP password file ${file} (named by ${SMTP_PASSWORD_FILE_ENV}): ${typeof code === 'string' ? code : 'unreadable'}`, 'CONFIG_NOT_FOUND')
  }
  const password = text.replace(/\r?\n$/, '')
  if (password === '') throw new UserError(`the SMTP password file ${file} (named by ${SMTP_PASSWORD_FILE_ENV}) is empty`, 'CONFIG_INVALID')
  return password
}
