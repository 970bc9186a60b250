import { test } from 'node:test'
import assert from 'node:assert/strict'
import { subscribeMetadata, unsubscribeKeys } from './subscribe-metadata.ts'
import { parseSnapshotPolicies } from './snapshot-policy.ts'
import { buildMetadefsNamespace } from './metadefs.ts'
import { METADATA_KEYS } from './metadata-keys.ts'
import { aVolume } from './testing/builders.ts'

test('subscribe writes SnapSentry keys for fields SnapSentry knows and ours for the rest', () => {
  assert.deepEqual(
    subscribeMetadata('monthly', { timezone: 'Europe/Berlin', startTime: { hour: 23, minute: 0 }, dayOfMonth: 1, retentionDays: 60, keepMonthly: 12 }),
    {
      'x-snapsentry-managed': 'true',
      'x-snapsentry-monthly-enabled': 'true',
      'x-snapsentry-monthly-timezone': 'Europe/Berlin',
      'x-snapsentry-monthly-start-time': '23:00',
      'x-snapsentry-monthly-start-day-of-month': '1',
      'x-snapsentry-monthly-day-of-month': '1',
      'x-snapsentry-monthly-retention-days': '60',
      'x-snapsentry-monthly-retention-type': 'time',
      'x-snapwarden-monthly-keep-monthly': '12',
    },
  )
  assert.deepEqual(subscribeMetadata('express', { intervalHours: 8, startTime: { hour: 1, minute: 0 } }), {
    'x-snapsentry-managed': 'true',
    'x-snapsentry-express-enabled': 'true',
    'x-snapsentry-express-interval-hours': '8',
    'x-snapwarden-express-start-time': '01:00',
  })
})

test('what subscribe writes parses back into the same policy', () => {
  const metadata = subscribeMetadata('weekly', { timezone: 'America/New_York', startTime: { hour: 6, minute: 5 }, weekday: 3, keepCount: 4 })
  assert.equal(metadata['x-snapsentry-weekly-start-day-of-week'], 'wednesday')
  const { policies, problems } = parseSnapshotPolicies(aVolume({ metadata }))
  assert.deepEqual(problems, [])
  assert.deepEqual(policies[0]!.schedule, { kind: 'weekly', timezone: 'America/New_York', startTime: { hour: 6, minute: 5 }, weekday: 3 })
  assert.deepEqual(policies[0]!.retention, { keepCount: 4, timezone: 'America/New_York' })
})

test('unsubscribe removes every key of the kind in both namespaces and no volume-level key', () => {
  const keys = unsubscribeKeys('daily')
  assert.ok(keys.includes('x-snapsentry-daily-enabled'))
  assert.ok(keys.includes('x-snapwarden-daily-keep-yearly'))
  assert.ok(keys.every((k) => k.includes('-daily-')))
  assert.ok(!keys.includes('x-snapsentry-managed'))
})

test('the metadefs namespace lists every registry key as a typed property', () => {
  const ns = buildMetadefsNamespace()
  assert.equal(ns.namespace, 'OS::Snapwarden::Snapshots')
  assert.equal(ns.visibility, 'public')
  assert.equal(ns.protected, true)
  assert.deepEqual(ns.resource_type_associations, [{ name: 'OS::Cinder::Volume', properties_target: 'metadata' }])
  assert.deepEqual(Object.keys(ns.properties).sort(), METADATA_KEYS.map((k) => k.key).sort())
  assert.deepEqual(ns.properties['x-snapwarden-express-interval-hours']?.enum, ['6', '8', '12'])
  assert.equal(ns.properties['x-snapsentry-daily-enabled']?.type, 'boolean')
  assert.equal(ns.properties['x-snapwarden-monthly-day-of-month']?.maximum, 31)
  for (const p of Object.values(ns.properties)) assert.ok(p.title && p.description.includes('Accepted:'))
})
