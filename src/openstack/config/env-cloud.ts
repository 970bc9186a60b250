/** OS_* variables that become `auth.<lower-case name>` of the `envvars` cloud. */
const AUTH_VARS: Record<string, string> = {
  OS_AUTH_URL: 'auth_url',
  OS_USERNAME: 'username',
  OS_USER_ID: 'user_id',
  OS_PASSWORD: 'password',
  OS_PROJECT_NAME: 'project_name',
  OS_PROJECT_ID: 'project_id',
  OS_TENANT_NAME: 'project_name',
  OS_TENANT_ID: 'project_id',
  OS_USER_DOMAIN_NAME: 'user_domain_name',
  OS_USER_DOMAIN_ID: 'user_domain_id',
  OS_PROJECT_DOMAIN_NAME: 'project_domain_name',
  OS_PROJECT_DOMAIN_ID: 'project_domain_id',
  OS_DOMAIN_NAME: 'domain_name',
  OS_DOMAIN_ID: 'domain_id',
  OS_DEFAULT_DOMAIN: 'default_domain',
  OS_SYSTEM_SCOPE: 'system_scope',
  OS_APPLICATION_CREDENTIAL_ID: 'application_credential_id',
  OS_APPLICATION_CREDENTIAL_NAME: 'application_credential_name',
  OS_APPLICATION_CREDENTIAL_SECRET: 'application_credential_secret',
  OS_TOKEN: 'token',
}

/** OS_* variables that become top-level keys of the `envvars` cloud. */
const CLOUD_VARS: Record<string, string> = {
  OS_AUTH_TYPE: 'auth_type',
  OS_REGION_NAME: 'region_name',
  OS_INTERFACE: 'interface',
  OS_ENDPOINT_TYPE: 'endpoint_type',
  OS_CACERT: 'cacert',
  OS_CERT: 'cert',
  OS_KEY: 'key',
  OS_API_TIMEOUT: 'api_timeout',
  OS_TIMEOUT: 'timeout',
}

export const ENV_CLOUD_NAME = 'envvars'

/**
 * The `envvars` cloud built from OS_* variables (as openstacksdk does), or undefined when no
 * credential variable is set.
 */
export function envCloud(env: Readonly<Record<string, string | undefined>>): Record<string, unknown> | undefined {
  const auth: Record<string, string> = {}
  const cloud: Record<string, unknown> = {}
  for (const [name, key] of Object.entries(AUTH_VARS)) {
    const v = env[name]
    if (v !== undefined && v !== '' && auth[key] === undefined) {
      auth[key] = v
    }
  }
  if (Object.keys(auth).length === 0) return undefined
  for (const [name, key] of Object.entries(CLOUD_VARS)) {
    const v = env[name]
    if (v !== undefined && v !== '') {
      cloud[key] = v
    }
  }
  const insecure = env['OS_INSECURE']
  if (insecure !== undefined && insecure !== '') {
    cloud['verify'] = !/^(1|true|yes|on)$/i.test(insecure)
  }
  cloud['auth'] = auth
  return cloud
}

/** The variable behind a key of the envvars cloud (`auth.password` → OS_PASSWORD). */
export function envVarFor(key: string): string {
  for (const [name, k] of Object.entries(AUTH_VARS)) if (`auth.${k}` === key) return name
  for (const [name, k] of Object.entries(CLOUD_VARS)) if (k === key) return name
  if (key === 'verify') return 'OS_INSECURE'
  return `OS_${key.replace(/^auth\./, '').toUpperCase()}`
}
