// The daemon serves the protection API when the config says protection.enabled (the real CLI, on
// the built-in simulator), reading the store named by database.url; SIGTERM closes it.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { join } from 'node:path'
import { openStore } from '../../src/store/index.ts'
import { startApiProcess } from '../support/protection-api-process.ts'
import { tempDir, writeConfig } from '../support/run-cli.ts'

const TRACKED = 'd0000000-0000-4000-8000-000000000001'

test('daemon with protection.enabled answers False for a tracked backup and True for an unknown one, and stops on SIGTERM', async (t) => {
  const { dir, remove } = tempDir('swtest-protect-daemon-')
  t.after(remove)
  const url = `sqlite:${join(dir, 'store.sqlite')}`
  const store = openStore({ url })
  await store.migrate()
  await store.recordBackup({ backupId: TRACKED, volumeId: 'vol-1', projectId: 'p-1', kind: 'full', status: 'available', createdAt: new Date(0) })
  await store.close()
  const config = writeConfig(dir, { database: { url }, protection: { enabled: true, port: 0 } })
  const daemon = await startApiProcess(['--simulator', '--config', config, 'daemon', '--bind-address', '127.0.0.1:0'], {
    dir,
    ready: /snapwarden daemon: protection API on (http:\/\/127\.0\.0\.1:\d+)/,
  })
  try {
    const tracked = await fetch(`${daemon.url}/v1/backup?backup_id=${TRACKED}`, { method: 'POST' })
    assert.deepEqual([tracked.status, await tracked.text()], [200, 'False'])
    const unknown = await fetch(`${daemon.url}/v1/backup?backup_id=d0000000-0000-4000-8000-00000000000f`, { method: 'POST' })
    assert.deepEqual([unknown.status, await unknown.text()], [200, 'True'])
  } finally {
    const stopped = await daemon.stop()
    assert.equal(stopped.code, 0, stopped.stderr)
  }
})
