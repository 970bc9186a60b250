import { readEnvSecret, type SecretSources } from './env-secret.ts'

export const SMTP_PASSWORD_ENV = 'SNAPWARDEN_SMTP_PASSWORD'
export const SMTP_PASSWORD_FILE_ENV = 'SNAPWARDEN_SMTP_PASSWORD_FILE'

/**
 * The SMTP password, from SNAPWARDEN_SMTP_PASSWORD or the file SNAPWARDEN_SMTP_PASSWORD_FILE names
 * (its trailing newline removed; a password may begin or end with spaces); never from the config file.
 */
export function readSmtpPassword(sources: SecretSources): Promise<string | undefined> {
  return readEnvSecret(sources, { what: 'SMTP password', envVar: SMTP_PASSWORD_ENV, fileVar: SMTP_PASSWORD_FILE_ENV, trim: 'newline' })
}
