/**
 * A real SMTP server on loopback (smtp-server from npm, in-process) for the report e-mail tests:
 * STARTTLS or implicit TLS with a certificate made for the test (openssl), AUTH PLAIN/LOGIN with
 * one user, and every accepted message parsed with postal-mime. `refuse` makes it answer the
 * message with 554, as a server that rejects a mail does.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import PostalMime, { type Email } from 'postal-mime'
import { SMTPServer } from 'smtp-server'

export interface TestCerts {
  readonly dir: string
  /** PEM of the CA that signed the server certificate (notification.cacert). */
  readonly caFile: string
  readonly key: Buffer
  readonly cert: Buffer
  remove(): void
}

/** A CA and a server certificate for 127.0.0.1 and localhost, made with openssl in a temp dir. */
export function makeTestCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'swtest-R-'))
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' })
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=swtest-R test CA')
  run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1')
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n')
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf')
  return {
    dir,
    caFile: join(dir, 'ca.pem'),
    key: readFileSync(join(dir, 'server.key')),
    cert: readFileSync(join(dir, 'server.pem')),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  }
}

export interface ReceivedMail {
  readonly envelopeFrom: string
  readonly envelopeTo: readonly string[]
  /** The session was TLS (after STARTTLS or implicit) when the message came. */
  readonly secure: boolean
  readonly user: string | undefined
  readonly parsed: Email
}

export interface SmtpSink {
  readonly port: number
  readonly received: ReceivedMail[]
  /** Answer the next N messages with 554 (the message is refused). */
  refuse(n: number): void
  /** Hold the next message without answering; `onHeld` runs once its data has arrived. */
  hold(onHeld: () => void): void
  /** AUTH attempts that failed. */
  readonly failedLogins: string[]
  close(): Promise<void>
}

export async function startSmtpSink(opts: {
  readonly certs: TestCerts
  /** true: implicit TLS; false: STARTTLS offered. */
  readonly secure: boolean
  readonly user: string
  readonly password: string
  /** No STARTTLS at all (a server without TLS). */
  readonly hideStartTls?: boolean
}): Promise<SmtpSink> {
  const received: ReceivedMail[] = []
  const failedLogins: string[] = []
  let refusals = 0
  let holding: (() => void) | undefined
  const server = new SMTPServer({
    secure: opts.secure,
    key: opts.certs.key,
    cert: opts.certs.cert,
    ...(opts.hideStartTls === true ? { disabledCommands: ['STARTTLS'] } : {}),
    authMethods: ['PLAIN', 'LOGIN'],
    // AUTH only over TLS (the default); the sink refuses plaintext logins.
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === opts.user && auth.password === opts.password) cb(null, { user: auth.username })
      else {
        failedLogins.push(auth.username ?? '')
        cb(new Error('Invalid username or password'))
      }
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = []
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('end', () => {
        if (holding) {
          const held = holding
          holding = undefined
          held() // never answered: the client gives up
          return
        }
        if (refusals > 0) {
          refusals--
          const err = Object.assign(new Error('Message rejected by policy'), { responseCode: 554 })
          cb(err)
          return
        }
        PostalMime.parse(Buffer.concat(chunks)).then(
          (parsed) => {
            received.push({
              envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              envelopeTo: session.envelope.rcptTo.map((r) => r.address),
              secure: session.secure,
              user: typeof session.user === 'string' ? session.user : undefined,
              parsed,
            })
            cb()
          },
          (err: unknown) => cb(err instanceof Error ? err : new Error(String(err))),
        )
      })
    },
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const port = (server.server.address() as AddressInfo).port
  return {
    port,
    received,
    failedLogins,
    refuse(n) {
      refusals = n
    },
    hold(onHeld) {
      holding = onHeld
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
