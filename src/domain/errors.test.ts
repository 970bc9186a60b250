import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { ERROR_CODES } from './errors.ts'

test('every error code has an entry in docs/errors.md', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8')
  const missing = ERROR_CODES.filter((code) => !doc.includes(`| \`${code}\` |`))
  assert.deepEqual(missing, [])
})
