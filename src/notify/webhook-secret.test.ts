import assert from 'node:assert/strict'
import { test } from 'node:test'
import { readWebhookSecret } from './webhook-secret.ts'

const noFile = async (): Promise<string> => {
  throw new Error('readFile must not be called')
}

test('the secret comes from SNAPWARDEN_WEBHOOK_SECRET, trimmed', async () => {
  assert.equal(await readWebhookSecret({ env: { SNAPWARDEN_WEBHOOK_SECRET: '  abc \n' }, readFile: noFile }), 'abc')
})

test('the secret comes from the file named by SNAPWARDEN_WEBHOOK_SECRET_FILE, trimmed', async () => {
  const secret = await readWebhookSecret({
    env: { SNAPWARDEN_WEBHOOK_SECRET_FILE: '/run/secrets/hook' },
    readFile: async (p) => (p === '/run/secrets/hook' ? 'from-file\n' : ''),
  })
  assert.equal(secret, 'from-file')
})

test('no secret is configured when neither variable is set', async () => {
  assert.equal(await readWebhookSecret({ env: {}, readFile: noFile }), undefined)
})

test('an unreadable secret file is an error naming the file but not its content', async () => {
  await assert.rejects(
    readWebhookSecret({
      env: { SNAPWARDEN_WEBHOOK_SECRET_FILE: '/nope/hook' },
      readFile: async () => {
        throw Object.assign(new Error("ENOENT: no such file or directory, open '/nope/hook'"), { code: 'ENOENT' })
      },
    }),
    (err: Error & { code?: string }) =>
      err.code === 'CONFIG_NOT_FOUND' && err.message.includes('/nope/hook') && err.message.includes('ENOENT'),
  )
})

test('an empty secret file is an error that does not echo the content', async () => {
  await assert.rejects(
    readWebhookSecret({ env: { SNAPWARDEN_WEBHOOK_SECRET_FILE: '/s' }, readFile: () => '  \n' }),
    (err: Error & { code?: string }) => err.code === 'CONFIG_INVALID' && /is empty/.test(err.message),
  )
})

test('setting both the variable and the file is refused', async () => {
  await assert.rejects(
    readWebhookSecret({ env: { SNAPWARDEN_WEBHOOK_SECRET: 'a', SNAPWARDEN_WEBHOOK_SECRET_FILE: '/s' }, readFile: noFile }),
    (err: Error & { code?: string }) => err.code === 'CONFIG_INVALID' && !err.message.includes(': a'),
  )
})
