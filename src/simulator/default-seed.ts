import type { SimState } from './sim-state.ts'

/** Passwords and ids of the default seed. Test-only values for a loopback simulator. */
export const DEFAULT_USERS = {
  admin: { name: 'admin', password: 'sim-admin-password', project: 'admin' },
  demo: { name: 'demo', password: 'sim-demo-password', project: 'demo' },
} as const

export const DEFAULT_APP_CREDENTIAL = { name: 'sim-appcred', secret: 'sim-appcred-secret' } as const

export interface DefaultSeed {
  readonly adminProjectId: string
  readonly demoProjectId: string
  readonly adminUserId: string
  readonly demoUserId: string
  readonly appCredentialId: string
}

/**
 * An `admin` project and user (admin role), a `demo` project and user (member only), an
 * application credential of admin, and a few servers, volumes, snapshots and backups so
 * `snapwarden inventory` against a fresh simulator shows something.
 */
export function applyDefaultSeed(state: SimState): DefaultSeed {
  const id = state.identity
  const adminProject = id.addProject({ name: 'admin', description: 'Bootstrap project for initializing the cloud.' })
  const demoProject = id.addProject({ name: 'demo', description: 'simulator second project (non-admin member)' })
  id.addProject({ name: 'service', description: 'service project' })
  const admin = id.addUser({ name: 'admin', password: DEFAULT_USERS.admin.password, projectId: adminProject.id, roles: ['admin'] })
  const demo = id.addUser({ name: 'demo', password: DEFAULT_USERS.demo.password, projectId: demoProject.id, roles: ['member'] })
  const cred = id.addAppCredential({ ...DEFAULT_APP_CREDENTIAL, userId: admin.id, projectId: adminProject.id })

  const t0 = state.now() - 7 * 24 * 3600_000
  const at = (h: number): number => t0 + h * 3600_000
  state.addVolume({ projectId: adminProject.id, userId: admin.id, name: 'admin-tools', size: 2, createdAt: at(1), metadata: { purpose: 'tools' } })
  const web = state.addServer({ projectId: demoProject.id, userId: demo.id, name: 'demo-web', createdAt: at(2), metadata: { __staffeln_backup: 'true' } })
  const db = state.addServer({ projectId: demoProject.id, userId: demo.id, name: 'demo-db', createdAt: at(3), metadata: {} })
  const dbVol = state.addVolume({ projectId: demoProject.id, userId: demo.id, name: 'demo-db-data', size: 10, createdAt: at(4), metadata: { tier: 'gold' } })
  const webVol = state.addVolume({ projectId: demoProject.id, userId: demo.id, name: 'demo-web-root', size: 5, createdAt: at(5), bootable: true })
  const shared = state.addVolume({ projectId: demoProject.id, userId: demo.id, name: 'demo-shared', size: 1, createdAt: at(6), multiattach: true })
  state.addVolume({ projectId: demoProject.id, userId: demo.id, name: 'demo-scratch', size: 1, createdAt: at(7) })
  state.attach(db.id, dbVol.id)
  state.attach(web.id, webVol.id, true)
  state.attach(web.id, shared.id)
  state.attach(db.id, shared.id)
  state.addSnapshot({ volumeId: dbVol.id, userId: demo.id, name: 'demo-db-data-daily', createdAt: at(24), metadata: { created_by: 'simulator' } })
  const full = state.addBackup({ volumeId: dbVol.id, userId: demo.id, name: 'demo-db-data-full', createdAt: at(25) })
  state.addBackup({ volumeId: dbVol.id, userId: demo.id, name: 'demo-db-data-incr', createdAt: at(49), parentId: full.id })
  return {
    adminProjectId: adminProject.id,
    demoProjectId: demoProject.id,
    adminUserId: admin.id,
    demoUserId: demo.id,
    appCredentialId: cred.id,
  }
}
