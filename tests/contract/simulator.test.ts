import { after, before, describe, test } from 'node:test'
import { startSimulator, type Simulator } from '../../src/simulator/index.ts'
import { contractCases, type ContractTarget } from './cases.ts'
import type { Credentials } from './wire.ts'

describe('contract cases against the simulator', () => {
  let sim: Simulator
  before(async () => {
    sim = await startSimulator({ seed: 42 })
  })
  after(async () => {
    await sim.close()
  })

  const creds = (user: string): Credentials => {
    const c = sim.cloudConfig(user).auth
    return {
      authUrl: c.auth_url,
      username: c.username,
      password: c.password,
      projectName: c.project_name,
      userDomainName: c.user_domain_name,
      projectDomainName: c.project_domain_name,
    }
  }
  // The target is read lazily: the simulator's URL exists only after `before`.
  const target: ContractTarget = {
    name: 'simulator',
    get admin() {
      return creds('admin')
    },
    get member() {
      return creds('demo')
    },
    prefix: 'swtest-B-',
    poll: { timeoutMs: 50, intervalMs: 1, sleep: async () => {} },
    server: { flavorRef: 'sim-flavor', imageRef: 'sim-image' },
  }
  for (const c of contractCases(target)) test(c.name, () => c.run())
})
