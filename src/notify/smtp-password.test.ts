import assert from 'node:assert/strict'
import { test } from 'node:test'
import { readSmtpPassword } from './smtp-password.ts'

const noFile = (): string => {
  throw Object.assign(new Error('nope'), { code: 'ENOENT' })
}

test('the SMTP password comes from SNAPWARDEN_SMTP_PASSWORD or the file named by SNAPWARDEN_SMTP_PASSWORD_FILE', async () => {
  assert.equal(await readSmtpPassword({ env: {}, readFile: noFile }), undefined)
  assert.equal(await readSmtpPassword({ env: { SNAPWARDEN_SMTP_PASSWORD: ' p w ' }, readFile: noFile }), ' p w ')
  assert.equal(await readSmtpPassword({ env: { SNAPWARDEN_SMTP_PASSWORD_FILE: '/run/secrets/smtp' }, readFile: () => 's3cret\n' }), 's3cret')
})

test('errors name the variable and the file, never the password', async () => {
  await assert.rejects(
    readSmtpPassword({ env: { SNAPWARDEN_SMTP_PASSWORD: 'hunter2', SNAPWARDEN_SMTP_PASSWORD_FILE: '/x' }, readFile: noFile }),
    (err: Error) => /set only one of SNAPWARDEN_SMTP_PASSWORD and SNAPWARDEN_SMTP_PASSWORD_FILE/.test(err.message) && !err.message.includes('hunter2'),
  )
  await assert.rejects(readSmtpPassword({ env: { SNAPWARDEN_SMTP_PASSWORD_FILE: '/run/secrets/smtp' }, readFile: noFile }), /\/run\/secrets\/smtp .*ENOENT/)
  await assert.rejects(readSmtpPassword({ env: { SNAPWARDEN_SMTP_PASSWORD_FILE: '/e' }, readFile: () => '\n' }), /\/e \(named by SNAPWARDEN_SMTP_PASSWORD_FILE\) is empty/)
})
