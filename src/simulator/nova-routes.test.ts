import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startSimulator } from './start-simulator.ts'
import { login } from './testing/sim-client.ts'

test('servers list newest first with volumes_attached and follow servers_links pages', async () => {
  const sim = await startSimulator({ seed: 4 })
  try {
    const s = await login(sim, 'demo')
    const first = await s.compute('GET', '/servers/detail?limit=1', undefined, '2.79')
    assert.equal(first.headers.get('x-openstack-nova-api-version'), '2.79')
    assert.equal(first.json.servers[0].name, 'demo-db')
    assert.deepEqual(
      first.json.servers[0]['os-extended-volumes:volumes_attached'].map((v: { delete_on_termination: boolean }) => v.delete_on_termination),
      [false, false],
    )
    const next = first.json.servers_links[0].href as string
    assert.match(next, /\/compute\/v2\.1\/servers\/detail\?limit=1&marker=/)
    const second = await s.compute('GET', next)
    assert.equal(second.json.servers[0].name, 'demo-web')
    assert.deepEqual(second.json.servers[0]['os-extended-volumes:volumes_attached'].map((v: object) => Object.keys(v)), [['id'], ['id']])
  } finally {
    await sim.close()
  }
})

test('server metadata merges on POST and is replaced on PUT', async () => {
  const sim = await startSimulator({ seed: 4 })
  try {
    const s = await login(sim, 'demo')
    const id = (await s.compute('GET', '/servers')).json.servers[0].id as string
    const merged = await s.compute('POST', `/servers/${id}/metadata`, { metadata: { a: '1' } })
    assert.equal(merged.json.metadata.a, '1')
    const replaced = await s.compute('PUT', `/servers/${id}/metadata`, { metadata: { b: '2' } })
    assert.deepEqual(replaced.json.metadata, { b: '2' })
    assert.deepEqual((await s.compute('GET', `/servers/${id}/metadata`)).json.metadata, { b: '2' })
  } finally {
    await sim.close()
  }
})

test('a multi-attach volume attached to two servers is listed by both', async () => {
  const sim = await startSimulator({ seed: 4 })
  try {
    const s = await login(sim, 'demo')
    const vol = (await s.volume('POST', '/volumes', { volume: { size: 1, multiattach: true } })).json.volume.id as string
    const ids: string[] = []
    for (const name of ['a', 'b']) {
      const id = (await s.compute('POST', '/servers', { server: { name, flavorRef: 'f', imageRef: 'i' } })).json.server.id as string
      const r = await s.compute('POST', `/servers/${id}/os-volume_attachments`, { volumeAttachment: { volumeId: vol } })
      assert.equal(r.status, 200)
      ids.push(id)
    }
    const v = (await s.volume('GET', `/volumes/${vol}`)).json.volume
    assert.equal(v.status, 'in-use')
    assert.deepEqual(v.attachments.map((a: { server_id: string }) => a.server_id).sort(), [...ids].sort())
  } finally {
    await sim.close()
  }
})
