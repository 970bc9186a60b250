// `snapwarden api` with bad input: each error names the option, the value and what is accepted, and
// exits 1 before serving; a store that cannot be read yet is not an error (answers False until it can).
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { startApiProcess } from '../support/protection-api-process.ts'
import { describeRun, runCli, tempDir, writeConfig } from '../support/run-cli.ts'

test('bad options and unusable TLS files exit 1 naming the option and file', async (t) => {
  const { dir, remove } = tempDir('swtest-protect-cli-')
  t.after(remove)
  const notPem = join(dir, 'not-a-cert.pem')
  writeFileSync(notPem, 'not a certificate\n')
  const db = `sqlite:${join(dir, 'store.sqlite')}`
  const cases: { args: string[]; stderr: RegExp }[] = [
    { args: ['api', '--tls-cert', notPem], stderr: /--tls-cert and --tls-key go together: --tls-cert was given alone/ },
    { args: ['api', '--tls-client-ca', notPem], stderr: /--tls-client-ca needs --tls-cert and --tls-key/ },
    { args: ['api', '--bind-address', '8808'], stderr: /--bind-address "8808": accepted: host:port/ },
    { args: ['api', '--db', db, '--tls-cert', join(dir, 'missing.crt'), '--tls-key', notPem], stderr: /--tls-cert .*missing\.crt cannot be read: .*accepted: a readable PEM file/ },
    { args: ['api', '--db', db, '--tls-cert', notPem, '--tls-key', notPem], stderr: /--tls-cert\/--tls-key: the certificate and key cannot be used: .*accepted: a PEM certificate and its private key/ },
    { args: ['api', '--db', ':memory:'], stderr: /:memory: cannot be shared with the protection API/ },
    {
      // Not in the working directory: ./snapwarden.yaml would be read by every other case.
      args: ['--config', writeConfig(mkdirSync(join(dir, 'etc'), { recursive: true })!, { protection: { tls: { cert_file: join(dir, 'nope.crt'), key_file: notPem } } }), 'api', '--db', db],
      stderr: /protection\.tls\.cert_file .*nope\.crt cannot be read/,
    },
  ]
  for (const c of cases) {
    const r = await runCli(c.args, { dir })
    assert.equal(r.code, 1, `${c.args.join(' ')}: ${describeRun(r)}`)
    assert.match(r.stderr, c.stderr, c.args.join(' '))
  }
})

test('a store that does not exist yet: the API starts, logs it, and answers False (503) until it can read it', async (t) => {
  const { dir, remove } = tempDir('swtest-protect-cli-')
  t.after(remove)
  const api = await startApiProcess(['api', '--db', `sqlite:${join(dir, 'later.sqlite')}`, '--bind-address', '127.0.0.1:0'], { dir })
  try {
    const res = await fetch(`${api.url}/v1/backup?backup_id=f0000000-0000-4000-8000-000000000001`, { method: 'POST' })
    assert.deepEqual([res.status, await res.text()], [503, 'False'])
    assert.match(api.stderr(), /the store cannot be read; answering False until it can/)
  } finally {
    await api.stop()
  }
})
