/**
 * The contract cases against the real devcloud (Keystone + Cinder + Nova, Zed). Needs
 * /var/lib/devcloud/clouds.yaml (clouds devcloud-admin and devcloud-member); fails, not skips,
 * when the cloud is missing. Every resource is named swtest-B-* and deleted in `finally`.
 */
import { readFileSync } from 'node:fs'
import { setTimeout as delay } from 'node:timers/promises'
import { before, describe, test } from 'node:test'
import { parse } from 'yaml'
import { contractCases, type ContractTarget } from '../contract/cases.ts'
import { authenticate, rawRequest, type Credentials } from '../contract/wire.ts'

const CLOUDS_YAML = process.env['OS_CLIENT_CONFIG_FILE'] ?? '/var/lib/devcloud/clouds.yaml'

interface CloudEntry {
  readonly auth: Record<string, string>
}

function credentials(name: string): Credentials {
  let text: string
  try {
    text = readFileSync(CLOUDS_YAML, 'utf8')
  } catch (err) {
    throw new Error(`devcloud is missing: cannot read ${CLOUDS_YAML} (bring it up with /work/shared/devcloud/up.sh): ${String(err)}`)
  }
  const doc = parse(text, { version: '1.1' }) as { clouds?: Record<string, CloudEntry> }
  const a = doc.clouds?.[name]?.auth
  if (a === undefined) throw new Error(`${CLOUDS_YAML} has no cloud ${name}`)
  return {
    authUrl: a['auth_url'] ?? '',
    username: a['username'] ?? '',
    password: a['password'] ?? '',
    projectName: a['project_name'] ?? '',
    userDomainName: a['user_domain_name'] ?? 'Default',
    projectDomainName: a['project_domain_name'] ?? 'Default',
  }
}

describe('contract cases against the devcloud', () => {
  const server = { flavorRef: '', imageRef: '' }
  const target: ContractTarget = {
    name: 'devcloud',
    get admin() {
      return credentials('devcloud-admin')
    },
    get member() {
      return credentials('devcloud-member')
    },
    prefix: 'swtest-B-',
    poll: { timeoutMs: 120_000, intervalMs: 1_000, sleep: (ms) => delay(ms) },
    server,
  }

  before(async () => {
    const s = await authenticate(target.member)
    const flavors = await rawRequest('GET', `${s.computeUrl}/flavors`, { token: s.token })
    const flavor = (flavors.json?.flavors as { id: string; name: string }[] | undefined)?.find((f) => f.name === 'devcloud.small')
    const image = s.body.token.catalog.find((c) => c.type === 'image')?.endpoints.find((e) => e.interface === 'public')?.url
    if (flavor === undefined || image === undefined) throw new Error('devcloud has no devcloud.small flavor or no image endpoint')
    const images = await rawRequest('GET', `${image.replace(/\/$/, '')}/v2/images?name=devcloud-tiny`, { token: s.token })
    const img = (images.json?.images as { id: string }[] | undefined)?.[0]
    if (img === undefined) throw new Error('devcloud has no devcloud-tiny image')
    server.flavorRef = flavor.id
    server.imageRef = img.id
  })

  for (const c of contractCases(target)) test(c.name, { timeout: 600_000 }, () => c.run())
})
