import { readEnvSecret, type SecretSources } from './env-secret.ts'

export type { SecretSources }

export const WEBHOOK_SECRET_ENV = 'SNAPWARDEN_WEBHOOK_SECRET'
export const WEBHOOK_SECRET_FILE_ENV = 'SNAPWARDEN_WEBHOOK_SECRET_FILE'

/** The webhook's signing secret, from SNAPWARDEN_WEBHOOK_SECRET or the file SNAPWARDEN_WEBHOOK_SECRET_FILE names (trimmed). */
export function readWebhookSecret(sources: SecretSources): Promise<string | undefined> {
  return readEnvSecret(sources, { what: 'webhook secret', envVar: WEBHOOK_SECRET_ENV, fileVar: WEBHOOK_SECRET_FILE_ENV, trim: 'both' })
}
