import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { describe, test } from 'node:test'
import * as parts from './undici-parts.ts'

describe('undici parts', () => {
  test("are the objects undici's index exports (loaded without the rest of undici)", () => {
    const required = Object.keys(createRequire(import.meta.url).cache).filter((k) => k.includes('/node_modules/undici/'))
    assert.ok(!required.some((k) => k.endsWith('/node_modules/undici/index.js')), "undici's index is not loaded by the parts")
    assert.ok(!required.some((k) => k.includes('/lib/web/fetch/')), 'no fetch')
    const undici = createRequire(import.meta.url)('undici') as typeof import('undici')
    assert.equal(parts.Agent, undici.Agent)
    assert.equal(parts.ProxyAgent, undici.ProxyAgent)
    assert.equal(parts.errors, undici.errors)
  })
})
