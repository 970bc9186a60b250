import assert from 'node:assert/strict'
import { test } from 'node:test'
import { validateConfig } from './validate.ts'

const problems = (doc: unknown): string[] => {
  const r = validateConfig(doc)
  return r.ok ? [] : r.problems.map((p) => `${p.path}: ${p.message}`)
}

test('no notification section: no reports are configured', () => {
  const r = validateConfig({})
  assert.ok(r.ok)
  assert.equal(r.config.notification, undefined)
})

test("an empty notification section takes Staffeln's thresholds, STARTTLS and verified TLS", () => {
  const r = validateConfig({ notification: {} })
  assert.ok(r.ok)
  assert.deepEqual(r.config.notification, { smtp_security: 'starttls', verify: true, receiver: [], quota_amber_percent: 50, quota_red_percent: 80 })
})

test('receiver takes a list, or a bare string as a list of one (as Staffeln)', () => {
  const one = validateConfig({ notification: { receiver: 'ops@example.org' } })
  assert.ok(one.ok)
  assert.deepEqual(one.config.notification?.receiver, ['ops@example.org'])
  const two = validateConfig({ notification: { receiver: ['a@example.org', 'b@example.org'] } })
  assert.ok(two.ok)
  assert.deepEqual(two.config.notification?.receiver, ['a@example.org', 'b@example.org'])
})

test('bad values are named with their option', () => {
  assert.deepEqual(problems({ notification: { receiver: ['ops'] } }), ['notification.receiver.0: expected an email address like backup@example.org'])
  assert.deepEqual(problems({ notification: { sender_email: 'me@example.org' } }), [
    'notification.smtp_server_domain: smtp_server_domain is required when sender_email is set',
  ])
  assert.deepEqual(problems({ notification: { quota_amber_percent: 90, quota_red_percent: 80 } }), [
    'notification.quota_amber_percent: quota_amber_percent must not exceed quota_red_percent',
  ])
  assert.deepEqual(problems({ notification: { smtp_security: 'ssl' } }).length, 1)
})

test("a password in the config file is refused (Staffeln's sender_pwd included)", () => {
  assert.deepEqual(problems({ notification: { sender_pwd: 'x' } }), ['notification: unknown option(s) sender_pwd'])
  assert.deepEqual(problems({ notification: { smtp_password: 'x' } }), ['notification: unknown option(s) smtp_password'])
})

test("Staffeln's conductor.rotation_workers and report_period load", () => {
  const r = validateConfig({ conductor: { rotation_workers: 2, report_period: 3600 } })
  assert.ok(r.ok)
  assert.equal(r.config.conductor.report_period, 3600)
})
