import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inspect } from 'node:util'
import { after, describe, test } from 'node:test'
import { ConfigError } from '../core/errors.ts'
import { findCloudConfig, loadCloudConfig, type LoadCloudConfigOpts } from './load-cloud-config.ts'

const roots: string[] = []
after(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true })
})

/** A fresh cwd/home/etc triple with the given files (paths relative to the root). */
function layout(files: Record<string, string>): { root: string; opts: (o?: Partial<LoadCloudConfigOpts>) => LoadCloudConfigOpts } {
  const root = mkdtempSync(join(tmpdir(), 'swtest-a-config-'))
  roots.push(root)
  for (const d of ['cwd', 'home/.config/openstack', 'etc']) mkdirSync(join(root, d), { recursive: true })
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(join(root, p, '..'), { recursive: true })
    writeFileSync(join(root, p), text)
  }
  return {
    root,
    opts: (o = {}) => ({ env: {}, cwd: join(root, 'cwd'), home: join(root, 'home'), systemDir: join(root, 'etc'), ...o }),
  }
}

const cloud = (name: string, extra = ''): string => `clouds:
  ${name}:
    auth:
      auth_url: https://${name}.example:5000/v3
      username: u
      password: s3cret-pw
      project_name: p
      user_domain_name: Default
      project_domain_name: Default
${extra}`

describe('loadCloudConfig', () => {
  test('OS_CLIENT_CONFIG_FILE comes before ./clouds.yaml, which comes before ~/.config and /etc', () => {
    const { root, opts } = layout({
      'cwd/clouds.yaml': cloud('cwdcloud'),
      'home/.config/openstack/clouds.yaml': cloud('homecloud'),
      'etc/clouds.yaml': cloud('etccloud'),
      'explicit.yaml': cloud('explicit'),
    })
    assert.equal(loadCloudConfig(opts({ env: { OS_CLIENT_CONFIG_FILE: join(root, 'explicit.yaml') } })).name, 'explicit')
    assert.equal(loadCloudConfig(opts()).name, 'cwdcloud')
    rmSync(join(root, 'cwd/clouds.yaml'))
    assert.equal(loadCloudConfig(opts()).name, 'homecloud')
    rmSync(join(root, 'home/.config/openstack/clouds.yaml'))
    assert.equal(loadCloudConfig(opts()).name, 'etccloud')
  })

  test('clouds.yml is found too', () => {
    const { opts } = layout({ 'home/.config/openstack/clouds.yml': cloud('ymlcloud') })
    assert.equal(loadCloudConfig(opts()).name, 'ymlcloud')
  })

  test('secure.yaml is merged into the cloud of the same name', () => {
    const { opts } = layout({
      'cwd/clouds.yaml': 'clouds:\n  c:\n    auth:\n      auth_url: https://k:5000\n      user_id: u1\n      project_id: p1\n',
      'home/.config/openstack/secure.yaml': 'clouds:\n  c:\n    auth:\n      password: from-secure\n',
    })
    const c = loadCloudConfig(opts())
    assert.equal(c.auth.method, 'password')
    assert.deepEqual(c.auth.method === 'password' && [c.auth.password, c.auth.userId, c.auth.scope], ['from-secure', 'u1', { projectId: 'p1' }])
  })

  test('a profile from clouds-public.yaml gives defaults the cloud entry overrides', () => {
    const { opts } = layout({
      'etc/clouds-public.yaml': 'public-clouds:\n  vendor:\n    auth:\n      auth_url: https://vendor:5000/v3\n    region_name: R1\n    interface: internal\n',
      'cwd/clouds.yaml': 'clouds:\n  mine:\n    profile: vendor\n    region_name: R2\n    auth:\n      user_id: u\n      password: pw\n      project_id: p\n',
    })
    const c = loadCloudConfig(opts())
    assert.equal(c.authUrl, 'https://vendor:5000/v3')
    assert.equal(c.regionName, 'R2')
    assert.equal(c.interface, 'internal')
  })

  test('an unknown profile names the key', () => {
    const { root, opts } = layout({ 'cwd/clouds.yaml': 'clouds:\n  mine:\n    profile: nowhere\n' })
    assert.throws(() => loadCloudConfig(opts()), {
      message: `clouds.yaml (${join(root, 'cwd/clouds.yaml')}): clouds.mine.profile 'nowhere' is unknown: no clouds-public.yaml found`,
    })
  })

  test('OS_* variables make the envvars cloud with application credential, region, interface and TLS', () => {
    const { opts } = layout({})
    const c = loadCloudConfig(opts({
      env: {
        OS_AUTH_URL: 'https://k:5000/v3',
        OS_AUTH_TYPE: 'v3applicationcredential',
        OS_APPLICATION_CREDENTIAL_ID: 'ac1',
        OS_APPLICATION_CREDENTIAL_SECRET: 'ac-secret',
        OS_REGION_NAME: 'R9',
        OS_INTERFACE: 'admin',
        OS_CACERT: '/ca.pem',
        OS_CERT: '/c.pem',
        OS_KEY: '/k.pem',
        OS_INSECURE: 'true',
      },
    }))
    assert.equal(c.name, 'envvars')
    assert.equal(c.authType, 'v3applicationcredential')
    assert.deepEqual({ ...c.auth }, { method: 'application_credential', id: 'ac1', name: undefined, secret: 'ac-secret' })
    assert.deepEqual([c.regionName, c.interface, c.cacert, c.cert, c.key, c.verify], ['R9', 'admin', '/ca.pem', '/c.pem', '/k.pem', false])
  })

  test('OS_TOKEN gives token auth scoped by project name and domain id', () => {
    const { opts } = layout({})
    const c = loadCloudConfig(opts({
      env: { OS_AUTH_URL: 'https://k:5000', OS_TOKEN: 'tok-secret', OS_PROJECT_NAME: 'p', OS_PROJECT_DOMAIN_ID: 'default' },
    }))
    assert.equal(c.authType, 'token')
    assert.deepEqual({ ...c.auth }, { method: 'token', token: 'tok-secret', scope: { projectName: 'p', projectDomainId: 'default', projectDomainName: undefined } })
  })

  test('password auth via OS_* scoped to a domain', () => {
    const { opts } = layout({})
    const c = loadCloudConfig(opts({
      env: { OS_AUTH_URL: 'https://k:5000', OS_USERNAME: 'u', OS_PASSWORD: 'pw', OS_USER_DOMAIN_ID: 'default', OS_DOMAIN_NAME: 'Default' },
    }))
    assert.equal(c.auth.method === 'password' && JSON.stringify(c.auth.scope), JSON.stringify({ domainName: 'Default' }))
  })

  test('YAML 1.1 as PyYAML reads it: verify no is false; endpoint_type publicURL; api_timeout in seconds; v3password', () => {
    const { opts } = layout({ 'cwd/clouds.yaml': cloud('c', '    verify: no\n    endpoint_type: internalURL\n    api_timeout: 2.5\n    auth_type: v3password\n') })
    const c = loadCloudConfig(opts())
    assert.equal(c.verify, false)
    assert.equal(c.interface, 'internal')
    assert.equal(c.apiTimeoutMs, 2500)
    assert.equal(c.authType, 'password')
  })

  test('the cloud is chosen by argument, then OS_CLOUD, then the only one', () => {
    const { opts } = layout({ 'cwd/clouds.yaml': cloud('a') + cloud('b').replace('clouds:\n', '') })
    assert.equal(loadCloudConfig(opts({ cloud: 'b', env: { OS_CLOUD: 'a' } })).name, 'b')
    assert.equal(loadCloudConfig(opts({ env: { OS_CLOUD: 'a' } })).name, 'a')
    assert.throws(() => loadCloudConfig(opts()), /several clouds \(a, b\); choose one with OS_CLOUD/)
  })

  test('nothing configured is undefined for findCloudConfig and an error for loadCloudConfig', () => {
    const { opts } = layout({})
    assert.equal(findCloudConfig(opts()), undefined)
    assert.throws(() => loadCloudConfig(opts()), (e: unknown) => e instanceof ConfigError && e.code === 'OS_CONFIG')
  })

  test('a named cloud that does not exist is an error naming file and key', () => {
    const { root, opts } = layout({ 'cwd/clouds.yaml': cloud('a') })
    assert.throws(() => findCloudConfig(opts({ cloud: 'foo' })), {
      message: `clouds.yaml (${join(root, 'cwd/clouds.yaml')}): clouds.foo is not defined (known: a)`,
    })
  })

  test('nothing configured: the error names every place looked at and the variables read', () => {
    const { root, opts } = layout({})
    assert.throws(() => loadCloudConfig(opts()), {
      message:
        `no cloud configured: no clouds.yaml in ${join(root, 'cwd')}/clouds.{yaml,yml,json}, ${join(root, 'home/.config/openstack')}/clouds.{yaml,yml,json}, ` +
        `${join(root, 'etc')}/clouds.{yaml,yml,json}; OS_CLIENT_CONFIG_FILE, OS_CLOUD and OS_AUTH_URL are not set`,
    })
    assert.throws(() => findCloudConfig(opts({ cloud: 'prod' })), {
      message: `clouds.yaml (none found in ${join(root, 'cwd')}/clouds.{yaml,yml,json}, ${join(root, 'home/.config/openstack')}/clouds.{yaml,yml,json}, ${join(root, 'etc')}/clouds.{yaml,yml,json}): clouds.prod is not defined`,
    })
  })

  test('a clouds, secure or vendor file named by its variable but missing is an error, even when another file would be found', () => {
    const { root, opts } = layout({ 'cwd/clouds.yaml': cloud('cwdcloud') })
    const missing = join(root, 'typo', 'clouds.yaml')
    for (const v of ['OS_CLIENT_CONFIG_FILE', 'OS_CLIENT_SECURE_FILE', 'OS_CLIENT_VENDOR_FILE']) {
      assert.throws(
        () => findCloudConfig(opts({ env: { [v]: missing } })),
        (e: unknown) => e instanceof ConfigError && e.code === 'OS_CONFIG' && e.message === `${v} names ${missing}, which does not exist`,
        v,
      )
    }
  })

  test("api_timeout, else keystoneauth's timeout, in seconds; a bad value names its key", () => {
    const { opts } = layout({
      'cwd/clouds.yaml': cloud('a', '    timeout: 7\n') + cloud('b', '    api_timeout: 2.5\n    timeout: 7\n').replace('clouds:\n', '') + cloud('c', '    timeout: soon\n').replace('clouds:\n', ''),
    })
    assert.equal(loadCloudConfig(opts({ cloud: 'a' })).apiTimeoutMs, 7000)
    assert.equal(loadCloudConfig(opts({ cloud: 'b' })).apiTimeoutMs, 2500)
    assert.throws(() => loadCloudConfig(opts({ cloud: 'c' })), /: clouds\.c\.timeout is 'soon'; accepted: a number of seconds greater than 0/)
    assert.equal(loadCloudConfig(opts({ cloud: 'envvars', env: { OS_AUTH_URL: 'https://k', OS_TOKEN: 't', OS_PROJECT_ID: 'p', OS_TIMEOUT: '3' } })).apiTimeoutMs, 3000)
  })

  test('a bad entry gives one line naming the file and the key', () => {
    const { root, opts } = layout({ 'cwd/clouds.yaml': 'clouds:\n  foo:\n    auth:\n      username: u\n      password: pw\n' })
    assert.throws(() => loadCloudConfig(opts()), { message: `clouds.yaml (${join(root, 'cwd/clouds.yaml')}): clouds.foo.auth.auth_url is required` })
    assert.throws(() => loadCloudConfig(opts({ env: { OS_AUTH_URL: 'https://k', OS_USERNAME: 'u', OS_USER_DOMAIN_NAME: 'D' }, cloud: 'envvars' })), {
      message: 'environment (OS_* variables): OS_PASSWORD is required',
    })
  })

  test('an unsupported auth type is named with the supported ones', () => {
    const { opts } = layout({ 'cwd/clouds.yaml': cloud('c', '    auth_type: v3oidcpassword\n') })
    assert.throws(() => loadCloudConfig(opts()), /clouds\.c\.auth_type is 'v3oidcpassword'; supported: password, v3password/)
  })

  test('secrets never appear in JSON, String, inspect or error messages', () => {
    const { opts } = layout({ 'cwd/clouds.yaml': cloud('c') })
    const c = loadCloudConfig(opts())
    assert.equal(c.auth.method === 'password' && c.auth.password, 's3cret-pw')
    for (const shown of [JSON.stringify(c), String(c), inspect(c, { depth: 10 }), JSON.stringify({ ...c })]) {
      assert.ok(!shown.includes('s3cret-pw'), shown)
    }
    assert.match(JSON.stringify(c), /"password":"\*\*\*"/)
    const bad = layout({ 'cwd/clouds.yaml': 'clouds:\n  c:\n    auth:\n      password: s3cret-pw\n     bad: [\n' })
    const err = (() => {
      try {
        loadCloudConfig(bad.opts())
      } catch (e) {
        return e as Error
      }
      return undefined
    })()
    assert.ok(err instanceof ConfigError)
    assert.match(err.message, /invalid YAML at line \d+/)
    assert.ok(!err.message.includes('s3cret-pw'))
    const envErr = (() => {
      try {
        loadCloudConfig(opts({ cloud: 'envvars', env: { OS_PASSWORD: 'env-secret', OS_USERNAME: 'u' } }))
      } catch (e) {
        return e as Error
      }
      return undefined
    })()
    assert.ok(envErr && !envErr.message.includes('env-secret'))
  })
})
