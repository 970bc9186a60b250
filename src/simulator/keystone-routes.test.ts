import assert from 'node:assert/strict'
import { test } from 'node:test'
import { DEFAULT_APP_CREDENTIAL } from './default-seed.ts'
import { createManualClock } from './sim-clock.ts'
import { startSimulator, type Simulator } from './start-simulator.ts'
import { login, passwordToken, request } from './testing/sim-client.ts'

async function withSim(fn: (sim: Simulator) => Promise<void>, tokenLifetimeMs?: number): Promise<void> {
  const clock = createManualClock(Date.parse('2024-06-01T12:00:00Z'))
  const sim = await startSimulator({ seed: 2, clock, ...(tokenLifetimeMs === undefined ? {} : { tokenLifetimeMs }) })
  try {
    await fn(sim)
  } finally {
    await sim.close()
  }
}

test('a password token carries the project, implied roles, expiry and a catalog with the volume endpoint of that project', async () => {
  await withSim(async (sim) => {
    const r = await passwordToken(sim, 'admin')
    assert.equal(r.status, 201)
    assert.ok((r.headers.get('x-subject-token') ?? '').length > 20)
    assert.match(r.headers.get('x-openstack-request-id') ?? '', /^req-[0-9a-f-]{36}$/)
    const t = r.json.token
    assert.deepEqual(t.roles.map((x: { name: string }) => x.name).sort(), ['admin', 'member', 'reader'])
    assert.equal(t.expires_at, '2024-06-01T16:00:00.000000Z')
    const vol = t.catalog.find((c: { type: string }) => c.type === 'block-storage')
    assert.equal(vol.endpoints[0].url, `${sim.origin}/volume/v3/${t.project.id}`)
  })
})

test('a wrong password answers 401 with the Keystone error body', async () => {
  await withSim(async (sim) => {
    const r = await request(`${sim.url}/auth/tokens`, {
      method: 'POST',
      body: { auth: { identity: { methods: ['password'], password: { user: { name: 'demo', password: 'wrong', domain: { name: 'Default' } } } } } },
    })
    assert.equal(r.status, 401)
    assert.deepEqual(r.json, { error: { code: 401, message: 'The request you have made requires authentication.', title: 'Unauthorized' } })
  })
})

test('an application credential by id or by name and user gets a token scoped to its project', async () => {
  await withSim(async (sim) => {
    const seeded = sim.seeded
    assert.ok(seeded)
    const byId = await request(`${sim.url}/auth/tokens`, {
      method: 'POST',
      body: { auth: { identity: { methods: ['application_credential'], application_credential: { id: seeded.appCredentialId, secret: DEFAULT_APP_CREDENTIAL.secret } } } },
    })
    assert.equal(byId.status, 201)
    assert.equal(byId.json.token.project.id, seeded.adminProjectId)
    assert.equal(byId.json.token.application_credential.id, seeded.appCredentialId)
    const byName = await request(`${sim.url}/auth/tokens`, {
      method: 'POST',
      body: {
        auth: {
          identity: {
            methods: ['application_credential'],
            application_credential: { name: DEFAULT_APP_CREDENTIAL.name, secret: DEFAULT_APP_CREDENTIAL.secret, user: { id: seeded.adminUserId } },
          },
        },
      },
    })
    assert.equal(byName.status, 201)
  })
})

test('a token stops working when its lifetime has passed on the simulator clock', async () => {
  await withSim(async (sim) => {
    const s = await login(sim, 'demo')
    assert.equal((await s.volume('GET', '/volumes/detail')).status, 200)
    ;(sim.clock as ReturnType<typeof createManualClock>).advance(60_000)
    const r = await s.volume('GET', '/volumes/detail')
    assert.equal(r.status, 401)
    assert.match(r.headers.get('www-authenticate') ?? '', /^Keystone uri=/)
  }, 60_000)
})

test('role assignments are admin-only and filter by user and project with names', async () => {
  await withSim(async (sim) => {
    const seeded = sim.seeded
    assert.ok(seeded)
    const member = await login(sim, 'demo')
    const denied = await request(`${sim.url}/role_assignments`, { headers: { 'x-auth-token': member.token } })
    assert.equal(denied.status, 403)
    assert.equal(denied.json.error.message, 'You are not authorized to perform the requested action: identity:list_role_assignments.')
    const admin = await login(sim, 'admin')
    const r = await request(`${sim.url}/role_assignments?scope.project.id=${seeded.demoProjectId}&include_names=1`, { headers: { 'x-auth-token': admin.token } })
    assert.equal(r.json.role_assignments.length, 1)
    const a = r.json.role_assignments[0]
    assert.equal(a.user.name, 'demo')
    assert.equal(a.role.name, 'member')
    assert.equal(a.scope.project.name, 'demo')
    const projects = await request(`${sim.url}/projects`, { headers: { 'x-auth-token': admin.token } })
    assert.deepEqual(projects.json.projects.map((p: { name: string }) => p.name).sort(), ['admin', 'demo', 'service'])
  })
})
