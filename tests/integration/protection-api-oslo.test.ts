// The protection API driven by the real oslo.policy (Debian's python3-oslo.policy, what Cinder
// uses): a `backup:delete` rule with an http:/https: check, as in Staffeln's README, enforced from
// tests/support/oslo-http-check.py. Form (the default) and JSON bodies, TLS with a client certificate.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, describe, test } from 'node:test'
import Database from 'better-sqlite3'
import { buildProtectionApp, type ProtectionApp } from '../../src/api/protection-app.ts'
import { openStore, openTrackedBackupReader, type TrackedBackupReader } from '../../src/store/index.ts'
import { startApiProcess } from '../support/protection-api-process.ts'
import { writeConfig } from '../support/run-cli.ts'
import { makeTestCerts, type TestCerts } from '../support/test-certs.ts'

/** Debian's interpreter, where python3-oslo.policy lives (a pyenv `python3` on PATH would not have it). */
const PYTHON = process.env.SNAPWARDEN_OSLO_PYTHON ?? '/usr/bin/python3'
const SCRIPT = fileURLToPath(new URL('../support/oslo-http-check.py', import.meta.url))

const TRACKED = 'b0000000-0000-4000-8000-000000000001'
const HELD = 'b0000000-0000-4000-8000-000000000002'
const UNKNOWN = 'b0000000-0000-4000-8000-000000000003'
const PROJECT = 'p-demo'
const MEMBER = { user_id: 'u-demo', project_id: PROJECT, roles: ['member', 'reader'], is_admin: false }
const ADMIN = { user_id: 'u-admin', project_id: 'p-admin', roles: ['admin', 'member', 'reader'], is_admin: true }

interface OsloCase {
  readonly rules: Record<string, string>
  readonly action: string
  readonly target: Record<string, unknown>
  readonly creds: Record<string, unknown>
  readonly oslo_policy?: Record<string, unknown>
}
type OsloResult = { allowed: boolean } | { error: string }

function oslo(cases: readonly OsloCase[]): Promise<OsloResult[]> {
  return new Promise((resolve, reject) => {
    const child = execFile(PYTHON, [SCRIPT], { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) {
        const missing = /No module named 'oslo_(policy|config)'/.test(stderr)
        reject(new Error(missing ? `oslo.policy is not installed for ${PYTHON}: apt-get install -y python3-oslo.policy\n${stderr}` : `${err.message}\n${stderr}`))
        return
      }
      resolve(JSON.parse(stdout) as OsloResult[])
    })
    child.stdin!.end(JSON.stringify(cases))
  })
}

/** Cinder's rule shape from Staffeln's README: admins never ask; members of the project ask the API. */
function rules(base: string): Record<string, string> {
  return {
    admin_api: 'is_admin:True or role:admin',
    'backup:delete': `rule:admin_api or (project_id:%(project_id)s and ${base}/v1/backup?backup_id=%(id)s)`,
    'volume:delete_snapshot': `rule:admin_api or (project_id:%(project_id)s and ${base}/v1/snapshot?snapshot_id=%(id)s)`,
  }
}

/** The target Cinder builds for a backup (its object's fields, metadata included). */
function backupTarget(id: string, metadata: Record<string, string> = {}): Record<string, unknown> {
  return { id, project_id: PROJECT, user_id: 'u-demo', volume_id: 'vol-1', status: 'available', metadata, display_name: 'b' }
}

let dir: string
let storeUrl: string
let certs: TestCerts

before(async () => {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} not found: the oslo.policy tests need Debian's python3 with python3-oslo.policy`)
  dir = mkdtempSync(join(tmpdir(), 'swtest-oslo-'))
  storeUrl = `sqlite:${join(dir, 'store.sqlite')}`
  const store = openStore({ url: storeUrl })
  await store.migrate()
  await store.recordBackup({ backupId: TRACKED, volumeId: 'vol-1', projectId: PROJECT, kind: 'full', status: 'available', createdAt: new Date(0) })
  await store.close()
  certs = makeTestCerts()
})
after(() => {
  rmSync(dir, { recursive: true, force: true })
  rmSync(certs.dir, { recursive: true, force: true })
})

describe('over HTTP (in-process API)', () => {
  let app: ProtectionApp
  let reader: TrackedBackupReader
  let base: string
  const seen: { contentType: string | undefined; url: string }[] = []

  before(async () => {
    reader = openTrackedBackupReader(storeUrl)
    // The observer only records what reached the server (the API's own handler answers).
    app = buildProtectionApp({ lookup: reader, onHead: (head) => void seen.push({ contentType: head.contentType, url: head.target }) })
    const address = await app.listen({ host: '127.0.0.1', port: 0 })
    base = address.replace(/^http:/, 'http:')
  })
  after(async () => {
    await app.close()
    await reader.close()
  })

  for (const contentType of ['application/x-www-form-urlencoded', 'application/json'] as const) {
    test(`remote_content_type ${contentType}: a member is refused a tracked or held backup, allowed an unknown one; an admin is never asked`, async () => {
      seen.length = 0
      const r = rules(base)
      const conf = { remote_content_type: contentType }
      const results = await oslo([
        { rules: r, action: 'backup:delete', target: backupTarget(TRACKED), creds: MEMBER, oslo_policy: conf },
        { rules: r, action: 'backup:delete', target: backupTarget(UNKNOWN), creds: MEMBER, oslo_policy: conf },
        { rules: r, action: 'backup:delete', target: backupTarget(HELD, { 'x-snapwarden-hold': 'true' }), creds: MEMBER, oslo_policy: conf },
        { rules: r, action: 'backup:delete', target: backupTarget(UNKNOWN, { 'x-snapwarden-hold': 'false' }), creds: MEMBER, oslo_policy: conf },
        { rules: r, action: 'volume:delete_snapshot', target: backupTarget(HELD, { 'x-snapwarden-hold': 'TRUE' }), creds: MEMBER, oslo_policy: conf },
        { rules: r, action: 'volume:delete_snapshot', target: backupTarget(UNKNOWN), creds: MEMBER, oslo_policy: conf },
        { rules: r, action: 'backup:delete', target: backupTarget(TRACKED), creds: ADMIN, oslo_policy: conf },
      ])
      assert.deepEqual(results, [
        { allowed: false },
        { allowed: true },
        { allowed: false },
        { allowed: true },
        { allowed: false },
        { allowed: true },
        { allowed: true },
      ])
      // Six member checks reached the API with the body type oslo.policy was configured for; the admin's did not.
      assert.equal(seen.length, 6)
      for (const s of seen) assert.equal(s.contentType?.split(';')[0], contentType)
      assert.ok(seen.every((s) => !s.url.includes(TRACKED) || s.url === `/v1/backup?backup_id=${TRACKED}`))
    })
  }

  test('with the store unreadable a member is refused even an unknown backup (fail-closed); once readable again, allowed', async () => {
    const db = new Database(storeUrl.slice('sqlite:'.length))
    try {
      db.exec('alter table backups rename to backups_moved')
      const r = rules(base)
      const refused = await oslo([{ rules: r, action: 'backup:delete', target: backupTarget(UNKNOWN), creds: MEMBER }])
      assert.deepEqual(refused, [{ allowed: false }])
    } finally {
      db.exec('alter table backups_moved rename to backups')
      db.close()
    }
    const allowed = await oslo([{ rules: rules(base), action: 'backup:delete', target: backupTarget(UNKNOWN), creds: MEMBER }])
    assert.deepEqual(allowed, [{ allowed: true }])
  })
})

// One process, and two workers sharing the listener (`--workers 2`: each worker sets up TLS itself).
for (const workers of [1, 2]) {
  describe(`over HTTPS with a required client certificate (the snapwarden api command, protection.tls in the config, --workers ${workers})`, () => {
    let api: Awaited<ReturnType<typeof startApiProcess>>

    before(async () => {
      const config = writeConfig(dir, {
        protection: { tls: { cert_file: certs.serverCert, key_file: certs.serverKey, client_ca_file: certs.caCert } },
      })
      api = await startApiProcess(['--config', config, 'api', '--db', storeUrl, '--bind-address', '127.0.0.1:0', '--workers', String(workers)], { dir })
      assert.match(api.url, /^https:\/\/127\.0\.0\.1:\d+$/)
    })
    after(async () => {
      await api?.stop()
    })

    test('oslo.policy with the CA and a client certificate gets the right answers, form and JSON', async () => {
      const r = rules(api.url)
      const ssl = {
        remote_ssl_verify_server_crt: true,
        remote_ssl_ca_crt_file: certs.caCert,
        remote_ssl_client_crt_file: certs.clientCert,
        remote_ssl_client_key_file: certs.clientKey,
      }
      const cases: OsloCase[] = []
      for (const remote_content_type of ['application/x-www-form-urlencoded', 'application/json']) {
        cases.push(
          { rules: r, action: 'backup:delete', target: backupTarget(TRACKED), creds: MEMBER, oslo_policy: { ...ssl, remote_content_type } },
          { rules: r, action: 'backup:delete', target: backupTarget(UNKNOWN), creds: MEMBER, oslo_policy: { ...ssl, remote_content_type } },
          { rules: r, action: 'backup:delete', target: backupTarget(HELD, { 'x-snapwarden-hold': 'true' }), creds: MEMBER, oslo_policy: { ...ssl, remote_content_type } },
        )
      }
      assert.deepEqual(await oslo(cases), [
        { allowed: false },
        { allowed: true },
        { allowed: false },
        { allowed: false },
        { allowed: true },
        { allowed: false },
      ])
    })

    test('without a client certificate, with one from another CA, or without trusting the server, the check fails (Cinder: no delete)', async () => {
      const r = rules(api.url)
      const verify = { remote_ssl_verify_server_crt: true, remote_ssl_ca_crt_file: certs.caCert }
      const results = await oslo([
        { rules: r, action: 'backup:delete', target: backupTarget(UNKNOWN), creds: MEMBER, oslo_policy: verify },
        {
          rules: r,
          action: 'backup:delete',
          target: backupTarget(UNKNOWN),
          creds: MEMBER,
          oslo_policy: { ...verify, remote_ssl_client_crt_file: certs.rogueClientCert, remote_ssl_client_key_file: certs.rogueClientKey },
        },
        {
          rules: r,
          action: 'backup:delete',
          target: backupTarget(UNKNOWN),
          creds: MEMBER,
          // The system CAs do not know the test CA.
          oslo_policy: { remote_ssl_verify_server_crt: true, remote_ssl_client_crt_file: certs.clientCert, remote_ssl_client_key_file: certs.clientKey },
        },
      ])
      for (const [i, res] of results.entries()) {
        assert.ok('error' in res, `case ${i}: expected a failed check, got ${JSON.stringify(res)}`)
        assert.match(res.error, /SSLError|ConnectionError/, `case ${i}`)
      }
    })
  })
}
