// Per-project reports through a real SMTP server: nodemailer sends to smtp-server (npm) started on
// loopback with STARTTLS or implicit TLS and AUTH, with a certificate made for the test; what
// arrived is parsed with postal-mime. The backup results come from the real backup cycle against
// the simulator, on a SQLite store.
import assert from 'node:assert/strict'
import type { Sleep } from '../../src/domain/clock.ts'
import { after, before, describe, test } from 'node:test'
import type { BackupHarness } from '../support/backup-sim.ts'
import { startBackupHarness } from '../support/backup-sim.ts'
import { makeBackupResults, reportConfig, reportRun, SCRIPT_SERVER } from '../support/report-sim.ts'
import { makeTestCerts, startSmtpSink, type SmtpSink, type TestCerts } from '../support/smtp-sink.ts'

const USER = 'reports'
const PASSWORD = 'swtest-R-s3cret!'
const SENDER = 'snapwarden@example.org'
const CONDUCTOR = { backup_min_interval: 3600 }

let certs: TestCerts
before(() => {
  certs = makeTestCerts()
})
after(() => certs.remove())

async function withSetup(
  sinkOpts: { secure: boolean; hideStartTls?: boolean },
  fn: (b: BackupHarness, sink: SmtpSink) => Promise<void>,
): Promise<void> {
  const sink = await startSmtpSink({ certs, user: USER, password: PASSWORD, ...sinkOpts })
  const b = await startBackupHarness()
  try {
    await fn(b, sink)
  } finally {
    await b.close()
    await sink.close()
  }
}

const smtp = (sink: SmtpSink, over: Record<string, unknown> = {}) => ({
  sender_email: SENDER,
  smtp_server_domain: '127.0.0.1',
  smtp_server_port: sink.port,
  smtp_user: USER,
  cacert: certs.caFile,
  ...over,
})

describe('report e-mails through a real SMTP server', () => {
  test('STARTTLS + AUTH: one multipart mail to every receiver, escaped HTML, results marked reported only then', () =>
    withSetup({ secure: false }, async (b, sink) => {
      const config = reportConfig(smtp(sink, { receiver: ['ops@example.org', 'backup@example.org'] }), CONDUCTOR)
      const { scriptVolume, brokenVolume } = await makeBackupResults(b, config)
      const r = await reportRun(b, config, { SNAPWARDEN_SMTP_PASSWORD: PASSWORD })

      const result = await r.run()

      assert.deepEqual(result.projects.map((p) => [p.projectName, p.status, p.taskCount]), [['admin', 'sent', 2]])
      assert.equal(sink.received.length, 1)
      const mail = sink.received[0]!
      assert.equal(mail.secure, true, 'the message came after STARTTLS')
      assert.equal(mail.user, USER)
      assert.equal(mail.envelopeFrom, SENDER)
      assert.deepEqual([...mail.envelopeTo].sort(), ['backup@example.org', 'ops@example.org'])
      assert.deepEqual(mail.parsed.to?.map((a) => ('address' in a ? a.address : '')).sort(), ['backup@example.org', 'ops@example.org'])
      assert.equal(mail.parsed.from?.address, SENDER)
      assert.equal(mail.parsed.subject, 'Backup report for admin: 1 succeeded, 1 failed')
      const html = mail.parsed.html ?? ''
      const text = mail.parsed.text ?? ''
      assert.ok(html.includes(`Project admin (<code>${b.projectId}</code>)`), html)
      assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), 'the server name is escaped')
      assert.ok(!html.includes('<script>'), 'no script element in the HTML')
      assert.ok(html.includes('data &quot;1&quot; &amp; &lt;b&gt;logs&lt;/b&gt;'), 'the volume name is escaped')
      assert.ok(!html.includes('<b>logs'), html)
      assert.ok(html.includes(scriptVolume) && html.includes(brokenVolume))
      assert.match(html, /OS_RESOURCE_FAILED|error/)
      assert.ok(text.includes(`server ${SCRIPT_SERVER}`), 'the text part shows the name as it is')
      assert.match(text, /Failed backups \(1\)\n {2}- .*swtest-J-broken.* failed: /)
      assert.match(text, /Backups: \d+ in use, 0 reserved, limit \d+: [\d.]+% \[GREEN\]/)
      assert.deepEqual(await b.store.tasksForReport(), [], 'marked reported after the send')

      const again = await r.run()
      assert.deepEqual(again.projects, [], 'nothing is reported twice')
      assert.equal(sink.received.length, 1)
    }))

  test('a server that refuses the message leaves the results unreported; the next cycle sends them', () =>
    withSetup({ secure: false }, async (b, sink) => {
      const config = reportConfig(smtp(sink, { receiver: 'ops@example.org' }), CONDUCTOR)
      await makeBackupResults(b, config)
      const r = await reportRun(b, config, { SNAPWARDEN_SMTP_PASSWORD: PASSWORD })
      sink.refuse(1)

      const refused = await r.run()

      assert.equal(refused.projects[0]?.status, 'failed')
      assert.equal(refused.projects[0]?.error?.code, 'NOTIFY_EMAIL_FAILED')
      assert.match(refused.projects[0]?.error?.message ?? '', /554|rejected/)
      assert.equal(sink.received.length, 0)
      assert.equal((await b.store.tasksForReport()).length, 2, 'still unreported')

      const next = await r.run()

      assert.equal(next.projects[0]?.status, 'sent')
      assert.equal(sink.received.length, 1)
      assert.deepEqual(sink.received[0]!.envelopeTo, ['ops@example.org'])
      assert.equal(sink.received[0]!.parsed.subject, 'Backup report for admin: 1 succeeded, 1 failed')
      assert.deepEqual(await b.store.tasksForReport(), [])
    }))

  test('implicit TLS with project_receiver_domain: the report goes to <project name>@<domain>', () =>
    withSetup({ secure: true }, async (b, sink) => {
      const config = reportConfig(smtp(sink, { smtp_security: 'tls', project_receiver_domain: 'example.org' }), CONDUCTOR)
      await makeBackupResults(b, config)
      const r = await reportRun(b, config, { SNAPWARDEN_SMTP_PASSWORD: PASSWORD })

      const result = await r.run()

      assert.equal(result.projects[0]?.status, 'sent', JSON.stringify(result.projects[0]?.error))
      assert.equal(sink.received[0]?.secure, true)
      assert.deepEqual(sink.received[0]?.envelopeTo, ['admin@example.org'])
    }))

  test('without receiver or domain the report goes to the project members with an e-mail in Keystone', () =>
    withSetup({ secure: false }, async (b, sink) => {
      const id = b.sim.state.identity
      id.addUser({ name: 'swtest-R-alice', password: 'x', projectId: b.projectId, roles: ['member'], email: 'alice@example.org' })
      id.addUser({ name: 'swtest-R-carol', password: 'x', projectId: b.projectId, roles: ['reader'], email: 'carol@example.org' })
      id.addUser({ name: 'swtest-R-noemail', password: 'x', projectId: b.projectId, roles: ['member'] })
      id.addUser({ name: 'swtest-R-sneaky', password: 'x', projectId: b.projectId, roles: ['member'], email: 'me@example.org, boss@example.org' })
      const off = id.addUser({ name: 'swtest-R-off', password: 'x', projectId: b.projectId, roles: ['member'], email: 'off@example.org' })
      off.enabled = false
      id.addUser({ name: 'swtest-R-elsewhere', password: 'x', projectId: b.sim.seeded!.demoProjectId, roles: ['member'], email: 'dave@example.org' })
      const config = reportConfig(smtp(sink), CONDUCTOR)
      await makeBackupResults(b, config)
      const r = await reportRun(b, config, { SNAPWARDEN_SMTP_PASSWORD: PASSWORD })

      const result = await r.run()

      assert.equal(result.projects[0]?.status, 'sent', JSON.stringify(result.projects[0]?.error))
      assert.deepEqual(result.projects[0]?.recipients, ['alice@example.org', 'carol@example.org'])
      assert.deepEqual([...sink.received[0]!.envelopeTo].sort(), ['alice@example.org', 'carol@example.org'])
    }))

  test('TLS is verified by default: a certificate not signed by a trusted CA fails the send, nothing is marked', () =>
    withSetup({ secure: false }, async (b, sink) => {
      const { cacert: _ca, ...noCa } = smtp(sink, { receiver: ['ops@example.org'] })
      const config = reportConfig(noCa, CONDUCTOR)
      await makeBackupResults(b, config)
      const r = await reportRun(b, config, { SNAPWARDEN_SMTP_PASSWORD: PASSWORD })

      const result = await r.run()

      assert.equal(result.projects[0]?.status, 'failed')
      assert.match(result.projects[0]?.error?.message ?? '', /certificate/i)
      assert.equal(sink.received.length, 0)
      assert.equal((await b.store.tasksForReport()).length, 2)
    }))

  test('a wrong password fails the send without naming the password; nothing is marked', () =>
    withSetup({ secure: false }, async (b, sink) => {
      const config = reportConfig(smtp(sink, { receiver: ['ops@example.org'] }), CONDUCTOR)
      await makeBackupResults(b, config)
      const wrong = 'swtest-R-wrong-pass'
      const r = await reportRun(b, config, { SNAPWARDEN_SMTP_PASSWORD: wrong })

      const result = await r.run()

      assert.equal(result.projects[0]?.status, 'failed')
      assert.equal(result.projects[0]?.error?.code, 'NOTIFY_EMAIL_FAILED')
      assert.ok(!JSON.stringify(result.projects[0]).includes(wrong))
      assert.deepEqual(sink.failedLogins, [USER])
      assert.equal((await b.store.tasksForReport()).length, 2)
    }))

  test('smtp_security starttls refuses a server that does not offer STARTTLS (no plaintext fallback)', () =>
    withSetup({ secure: false, hideStartTls: true }, async (b, sink) => {
      const config = reportConfig(smtp(sink, { receiver: ['ops@example.org'] }), CONDUCTOR)
      await makeBackupResults(b, config)
      const r = await reportRun(b, config, { SNAPWARDEN_SMTP_PASSWORD: PASSWORD })

      const result = await r.run()

      assert.equal(result.projects[0]?.status, 'failed')
      assert.match(result.projects[0]?.error?.message ?? '', /STARTTLS/i)
      assert.equal(sink.received.length, 0)
    }))
  // The socket timeouts are set far beyond the test's own timeout: only the cancelled send ends it.
  test('a send that does not finish within its deadline is cancelled and the results stay unreported', { timeout: 20_000 }, () =>
    withSetup({ secure: false }, async (b, sink) => {
      const config = reportConfig(smtp(sink, { receiver: ['ops@example.org'] }), CONDUCTOR)
      await makeBackupResults(b, config)
      // The deadline passes once the server holds the message without answering.
      let held!: () => void
      const serverHolds = new Promise<void>((resolve) => {
        held = resolve
      })
      const sleep: Sleep = (_ms, signal) =>
        new Promise<void>((resolve, reject) => {
          void serverHolds.then(resolve)
          signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true })
        })
      sink.hold(() => held())
      const r = await reportRun(b, config, { SNAPWARDEN_SMTP_PASSWORD: PASSWORD }, undefined, { sleep, timeoutMs: 600_000 })

      const result = await r.run()

      assert.equal(result.projects[0]?.status, 'failed')
      assert.match(result.projects[0]?.error?.message ?? '', /did not finish within 300 s/)
      assert.equal(sink.received.length, 0)
      assert.equal((await b.store.tasksForReport()).length, 2)
    }))
})
