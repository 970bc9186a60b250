import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { useFakeService } from '../../../../testhelper/fake-server.ts'
import * as quotaSets from '../index.ts'
import { LIMITS_RESPONSE, PROJECT_ID, USAGE_RESPONSE } from './fixtures.ts'

const base = `/v3/${PROJECT_ID}`
const fake = useFakeService(base, { serviceType: 'block-storage' })

describe('quota-sets', () => {
  test('get with usage asks usage=true and gives limit, in use and reserved per resource', async () => {
    fake.server.on(`GET ${base}/os-quota-sets/${PROJECT_ID}`, (req) => ({
      body: req.query.get('usage') === 'true' ? USAGE_RESPONSE : LIMITS_RESPONSE,
    }))
    const q = await quotaSets.get(fake.client, PROJECT_ID, { usage: true })
    assert.equal(q.projectId, PROJECT_ID)
    assert.deepEqual(q.usage['snapshots'], { limit: 10, inUse: 1, reserved: 0, allocated: undefined })
    assert.equal(q.usage['backup_gigabytes']?.limit, 1000)
    assert.equal(q.limits['volumes___DEFAULT__'], -1)
  })

  test('get without usage gives limits only', async () => {
    const q = await quotaSets.get(fake.client, PROJECT_ID)
    assert.equal(q.limits['backups'], 10)
    assert.deepEqual(q.usage, {})
  })
})
