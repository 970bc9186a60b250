import { ConfigError } from '../core/errors.ts'
import type { AuthOptions } from '../identity/v3/tokens/index.ts'
import type { EndpointInterface } from '../core/catalog.ts'

export const AUTH_TYPES = ['password', 'v3applicationcredential', 'token'] as const
export type AuthType = (typeof AUTH_TYPES)[number]

export interface CloudConfigInit {
  readonly name: string
  /** Where it came from: `clouds.yaml (/path)` or `environment (OS_* variables)`. */
  readonly source: string
  readonly authType: AuthType
  readonly authUrl: string
  readonly auth: AuthOptions
  readonly regionName?: string | undefined
  readonly interface: EndpointInterface
  /** Paths, as written in clouds.yaml; connect() reads them. */
  readonly cacert?: string | undefined
  readonly cert?: string | undefined
  readonly key?: string | undefined
  readonly verify: boolean
  readonly apiTimeoutMs?: number | undefined
}

/**
 * One resolved cloud. The credentials live in a private field: JSON.stringify, spreads, util.inspect
 * and String() show a redacted view only. Read them with `auth` (a getter) when authenticating.
 */
export class CloudConfig {
  readonly name: string
  readonly source: string
  readonly authType: AuthType
  readonly authUrl: string
  readonly regionName: string | undefined
  readonly interface: EndpointInterface
  readonly cacert: string | undefined
  readonly cert: string | undefined
  readonly key: string | undefined
  readonly verify: boolean
  readonly apiTimeoutMs: number | undefined
  readonly #auth: AuthOptions

  constructor(init: CloudConfigInit) {
    this.name = init.name
    this.source = init.source
    this.authType = init.authType
    this.authUrl = init.authUrl
    this.regionName = init.regionName
    this.interface = init.interface
    this.cacert = init.cacert
    this.cert = init.cert
    this.key = init.key
    this.verify = init.verify
    this.apiTimeoutMs = init.apiTimeoutMs
    this.#auth = init.auth
  }

  /** The credentials for Keystone (contain the password, secret or token). */
  get auth(): AuthOptions {
    return this.#auth
  }

  /**
   * The same credentials scoped to another project (what openstacksdk's `connect_as_project` does).
   * Cinder gives a snapshot or backup the project of the token that created it, so acting on
   * another project's volumes needs a token scoped to that project. Application credentials are
   * bound to one project and cannot be re-scoped.
   */
  withProjectScope(projectId: string): CloudConfig {
    const auth = this.#auth
    if (auth.method === 'application_credential') {
      throw new ConfigError(`${this.source}: cloud ${this.name} uses an application credential, which is bound to its project and cannot act in project ${projectId}`)
    }
    return new CloudConfig({
      name: `${this.name}@${projectId}`,
      source: this.source,
      authType: this.authType,
      authUrl: this.authUrl,
      auth: { ...auth, scope: { projectId } },
      regionName: this.regionName,
      interface: this.interface,
      cacert: this.cacert,
      cert: this.cert,
      key: this.key,
      verify: this.verify,
      apiTimeoutMs: this.apiTimeoutMs,
    })
  }

  /** A redacted view: identifiers kept, password/secret/token replaced by "***". */
  toJSON(): Record<string, unknown> {
    const auth: Record<string, unknown> = { ...this.#auth }
    for (const k of ['password', 'secret', 'token']) if (k in auth) auth[k] = '***'
    return {
      name: this.name,
      source: this.source,
      authType: this.authType,
      authUrl: this.authUrl,
      auth,
      regionName: this.regionName,
      interface: this.interface,
      cacert: this.cacert,
      cert: this.cert,
      key: this.key,
      verify: this.verify,
      apiTimeoutMs: this.apiTimeoutMs,
    }
  }

  toString(): string {
    return `cloud ${this.name} (${this.authType} at ${this.authUrl}, from ${this.source})`
  }

  [Symbol.for('nodejs.util.inspect.custom')](): Record<string, unknown> {
    return this.toJSON()
  }
}
