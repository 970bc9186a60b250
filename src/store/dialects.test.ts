import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { defaultStoreUrl, parseStoreUrl } from './dialects.ts'
import { redactUrl } from './errors.ts'

describe('parseStoreUrl', () => {
  const cases: [string, ReturnType<typeof parseStoreUrl>][] = [
    [':memory:', { dialect: 'sqlite', path: ':memory:' }],
    ['sqlite::memory:', { dialect: 'sqlite', path: ':memory:' }],
    ['sqlite:/var/lib/snapwarden/db.sqlite', { dialect: 'sqlite', path: '/var/lib/snapwarden/db.sqlite' }],
    ['sqlite:///var/lib/snapwarden/db.sqlite', { dialect: 'sqlite', path: '/var/lib/snapwarden/db.sqlite' }],
    ['sqlite:relative/db.sqlite', { dialect: 'sqlite', path: 'relative/db.sqlite' }],
    ['./state/db.sqlite', { dialect: 'sqlite', path: './state/db.sqlite' }],
    ['postgres://u:p@127.0.0.1:5432/db', { dialect: 'postgres', url: 'postgres://u:p@127.0.0.1:5432/db' }],
    ['postgresql://127.0.0.1/db', { dialect: 'postgres', url: 'postgresql://127.0.0.1/db' }],
  ]
  for (const [url, expected] of cases) {
    test(`reads ${url} as ${expected.dialect}`, () => assert.deepEqual(parseStoreUrl(url), expected))
  }

  test('refuses an unknown scheme without echoing its password', () => {
    assert.throws(() => parseStoreUrl('mysql://root:hunter2@127.0.0.1/db'), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'STORE_UNAVAILABLE')
      assert.match(err.message, /mysql:\/\/root:\*\*\*@127\.0\.0\.1\/db/)
      return true
    })
  })

  test('refuses an empty URL', () => assert.throws(() => parseStoreUrl('  '), { code: 'STORE_UNAVAILABLE' }))
})

describe('defaultStoreUrl', () => {
  test('uses XDG_STATE_HOME when it is set to an absolute path', () => {
    assert.equal(defaultStoreUrl({ XDG_STATE_HOME: '/srv/state' }, '/home/ana'), 'sqlite:/srv/state/snapwarden/snapwarden.sqlite')
  })
  test('falls back to ~/.local/state when XDG_STATE_HOME is unset or relative', () => {
    const expected = 'sqlite:/home/ana/.local/state/snapwarden/snapwarden.sqlite'
    assert.equal(defaultStoreUrl({}, '/home/ana'), expected)
    assert.equal(defaultStoreUrl({ XDG_STATE_HOME: 'state' }, '/home/ana'), expected)
  })
})

describe('redactUrl', () => {
  test('hides the password of a URL and of a password= parameter, keeping the rest', () => {
    assert.equal(redactUrl('postgres://snap:s3cr%40t@db.example:5432/sw'), 'postgres://snap:***@db.example:5432/sw')
    assert.equal(redactUrl('postgres://db.example/sw?user=snap&password=s3cret&sslmode=require'), 'postgres://db.example/sw?user=snap&password=***&sslmode=require')
    assert.equal(redactUrl('postgres://snap@db.example/sw'), 'postgres://snap@db.example/sw')
  })
})

describe('redactUrl with awkward passwords', () => {
  test('hides a password that holds a raw @ or slash-free punctuation', () => {
    assert.equal(redactUrl('postgres://snap:p@ss:w0rd@db.example/sw'), 'postgres://snap:***@db.example/sw')
  })
})
