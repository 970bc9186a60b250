import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { NotFoundError } from '../../../../core/errors.ts'
import { TEST_TOKEN, collect, useFakeService } from '../../../../testhelper/fake-server.ts'
import * as roleAssignments from '../../role-assignments/index.ts'
import { LIST_RESPONSE as ROLE_ASSIGNMENTS } from '../../role-assignments/testing/fixtures.ts'
import * as users from '../../users/index.ts'
import * as projects from '../index.ts'
import { LIST_RESPONSE, NOT_FOUND } from './fixtures.ts'

const fake = useFakeService('/v3', { serviceType: 'identity' })

describe('identity projects, role assignments and users', () => {
  test('projects list follows Keystone links and parses domain and parent', async () => {
    fake.server.on('GET /v3/projects', { body: LIST_RESPONSE })
    const got = await collect(projects.list(fake.client, { domainId: 'default' }))
    assert.deepEqual(got.map((p) => p.name), ['service', 'demo', 'admin'])
    assert.equal(got[1]?.domainId, 'default')
    const [call] = fake.server.calls('GET /v3/projects')
    assert.equal(call?.query.get('domain_id'), 'default')
    assert.equal(call?.headers['x-auth-token'], TEST_TOKEN)
    assert.equal(call?.headers['openstack-api-version'], undefined)
  })

  test('a missing project throws NotFoundError with Keystone error message', async () => {
    fake.server.on('GET /v3/projects/nope', { status: 404, body: NOT_FOUND })
    const err = await projects.get(fake.client, 'nope').catch((e: unknown) => e)
    assert.ok(err instanceof NotFoundError)
    assert.equal(err.apiMessage, 'Could not find project: nope.')
  })

  test('role assignments filter by project with names', async () => {
    fake.server.on('GET /v3/role_assignments', { body: ROLE_ASSIGNMENTS })
    const [a] = await collect(roleAssignments.list(fake.client, { projectId: 'p1', includeNames: true, userId: 'u1' }))
    assert.equal(a?.role.name, 'member')
    assert.equal(a?.user?.name, 'demo')
    assert.equal(a?.projectName, 'demo')
    const call = fake.server.calls('GET /v3/role_assignments').at(-1)
    assert.equal(call?.query.get('scope.project.id'), 'p1')
    assert.equal(call?.query.get('user.id'), 'u1')
    assert.equal(call?.query.get('include_names'), 'true')
  })

  test('users of a project are listed once each with their roles from effective assignments', async () => {
    fake.server.on('GET /v3/role_assignments', { body: ROLE_ASSIGNMENTS })
    const members = await users.listInProject(fake.client, '6e04fe64e80c4924be0b21ffa009d1f2')
    assert.deepEqual(members, [{ id: '4bb709ef15da4763bd97c2456c791d62', name: 'demo', roles: ['member'] }])
    const call = fake.server.calls('GET /v3/role_assignments').at(-1)
    assert.equal(call?.query.has('effective'), true)
  })
})
