import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ConfigError } from './errors.ts'
import { proxyFor, proxyFromEnv } from './proxy-env.ts'

describe('proxyFromEnv: the variables requests reads', () => {
  test('HTTPS_PROXY serves https URLs and HTTP_PROXY http URLs; neither stands in for the other', () => {
    const both = proxyFromEnv({ HTTPS_PROXY: 'http://secure-proxy:3128', HTTP_PROXY: 'http://plain-proxy:3128' })
    assert.equal(proxyFor(both, 'https://keystone.example:5000/v3'), 'http://secure-proxy:3128')
    assert.equal(proxyFor(both, 'http://keystone.example:5000/v3'), 'http://plain-proxy:3128')
    assert.equal(proxyFor(proxyFromEnv({ HTTP_PROXY: 'http://plain-proxy:3128' }), 'https://keystone.example/v3'), undefined)
    assert.equal(proxyFor(proxyFromEnv({ HTTPS_PROXY: 'http://secure-proxy:3128' }), 'http://keystone.example/v3'), undefined)
  })

  test('the lower-case spelling wins, ALL_PROXY fills in, a bare host:port gets http://', () => {
    const s = proxyFromEnv({ https_proxy: 'lower:8080', HTTPS_PROXY: 'http://upper:8080', ALL_PROXY: 'http://all:1080' })
    assert.equal(proxyFor(s, 'https://k/'), 'http://lower:8080')
    assert.equal(proxyFor(s, 'http://k/'), 'http://all:1080')
    assert.deepEqual(proxyFromEnv({}), { http: undefined, https: undefined, noProxy: undefined })
    assert.deepEqual(proxyFromEnv({ HTTPS_PROXY: '  ', NO_PROXY: '' }), { http: undefined, https: undefined, noProxy: undefined })
  })

  test('a proxy URL that does not parse names the variable, never its value (it may hold a password)', () => {
    assert.throws(
      () => proxyFromEnv({ HTTPS_PROXY: 'http://user:pr0xy-secret@[bad' }),
      (e: unknown) => e instanceof ConfigError && e.code === 'OS_CONFIG' && /^HTTPS_PROXY is not a valid proxy URL/.test(e.message) && !e.message.includes('pr0xy-secret'),
    )
  })
})

describe('proxyFor: NO_PROXY', () => {
  const via = (noProxy: string, url: string) => proxyFor({ http: 'http://p:1', https: 'http://p:1', noProxy }, url) === undefined ? 'direct' : 'proxy'

  test('names match the host and its subdomains, with or without a leading dot or *.', () => {
    for (const entry of ['example.com', '.example.com', '*.example.com', 'EXAMPLE.com']) {
      assert.equal(via(entry, 'https://example.com/'), 'direct', entry)
      assert.equal(via(entry, 'https://keystone.example.com:5000/'), 'direct', entry)
      assert.equal(via(entry, 'https://notexample.com/'), 'proxy', entry)
    }
  })

  test('a list (commas or spaces), host:port, IP addresses, CIDR blocks and *', () => {
    assert.equal(via('foo, 127.0.0.1 bar', 'http://127.0.0.1:5000/'), 'direct')
    assert.equal(via('keystone.example:5000', 'https://keystone.example:5000/'), 'direct')
    assert.equal(via('keystone.example:5000', 'https://keystone.example/'), 'proxy')
    assert.equal(via('keystone.example:443', 'https://keystone.example/'), 'direct')
    assert.equal(via('10.0.0.0/8', 'http://10.20.30.40:8776/'), 'direct')
    assert.equal(via('10.0.0.0/8', 'http://11.0.0.1/'), 'proxy')
    assert.equal(via('::1', 'http://[::1]:5000/'), 'direct')
    assert.equal(via('fd00::/8', 'http://[fd00::5]/'), 'direct')
    assert.equal(via('*', 'https://anything.example/'), 'direct')
    assert.equal(via('', 'https://anything.example/'), 'proxy')
  })
})
