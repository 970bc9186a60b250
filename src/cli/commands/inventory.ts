/** `snapwarden inventory`: projects, servers, volumes (attachments, metadata), snapshots and backups. */
import type { BackupRecord, ProjectRef, ServerRef, SnapshotRecord, VolumeRef } from '../../domain/inventory.ts'
import { defineCommand } from '../command.ts'
import { listAll, readWithRetry, scopeFor } from '../../cycles/cloud-reads.ts'
import { EXIT } from '../exit-codes.ts'
import { table } from '../output.ts'

interface Options {
  readonly json: boolean
  readonly allProjects: boolean
}

export interface Inventory {
  readonly source: string
  readonly projects: ProjectRef[]
  readonly servers: ServerRef[]
  readonly volumes: VolumeRef[]
  readonly snapshots: SnapshotRecord[]
  readonly backups: BackupRecord[]
}

export const inventoryCommand = defineCommand<Options>({
  name: 'inventory',
  summary: "list a cloud's projects, servers, volumes (with attachments and metadata), snapshots and backups",
  configure: (cmd) =>
    cmd.option('--json', 'print JSON', false).option('--all-projects', 'every project (admin credential; all_tenants)', false),
  parseOptions: (raw) => ({ json: raw.json === true, allProjects: raw.allProjects === true }),
  async run(opts, deps) {
    const { cloud, label } = await deps.openCloud()
    const r = { cloud, sleep: deps.sleep, random: deps.random, logger: deps.logger }
    const identity = await readWithRetry(r, 'identity', () => cloud.identity())
    const allProjects = opts.allProjects || deps.config().all_projects
    const scope = await scopeFor(cloud, identity, allProjects)
    const [projects, servers, volumes, snapshots, backups] = await Promise.all([
      allProjects ? cloud.listProjects() : Promise.resolve([{ id: identity.projectId, name: identity.projectName }]),
      listAll(r, 'servers', () => cloud.listServers(scope)),
      listAll(r, 'volumes', () => cloud.listVolumes(scope)),
      listAll(r, 'snapshots', () => cloud.listSnapshots(scope)),
      listAll(r, 'backups', () => cloud.listBackups(scope)),
    ])
    const inv: Inventory = { source: label, projects, servers, volumes, snapshots, backups }
    if (opts.json) {
      deps.out.json(inv)
      return EXIT.ok
    }
    const projectName = new Map(projects.map((p) => [p.id, p.name]))
    const p = (id: string) => projectName.get(id) ?? id
    deps.out.line(`cloud: ${label}`)
    deps.out.line(`\nProjects (${projects.length})`)
    deps.out.line(table(['ID', 'NAME'], projects.map((x) => [x.id, x.name])))
    deps.out.line(`\nServers (${servers.length})`)
    deps.out.line(table(['ID', 'NAME', 'PROJECT', 'STATUS', 'VOLUMES', 'METADATA'], servers.map((s) => [s.id, s.name, p(s.projectId), s.status, s.volumeIds, meta(s.metadata)])))
    deps.out.line(`\nVolumes (${volumes.length})`)
    deps.out.line(
      table(
        ['ID', 'NAME', 'PROJECT', 'STATUS', 'SIZE', 'ATTACHED TO', 'METADATA'],
        volumes.map((v) => [v.id, v.name, p(v.projectId), v.status, `${v.sizeGb}G`, v.attachments.map((a) => a.serverId), meta(v.metadata)]),
      ),
    )
    deps.out.line(`\nSnapshots (${snapshots.length})`)
    deps.out.line(table(['ID', 'NAME', 'VOLUME', 'STATUS', 'CREATED'], snapshots.map((s) => [s.id, s.name, s.volumeId, s.status, s.createdAt])))
    deps.out.line(`\nBackups (${backups.length})`)
    deps.out.line(
      table(['ID', 'NAME', 'VOLUME', 'STATUS', 'KIND', 'CREATED'], backups.map((b) => [b.id, b.name, b.volumeId, b.status, b.isIncremental ? 'incremental' : 'full', b.createdAt])),
    )
    return EXIT.ok
  },
})

function meta(m: Readonly<Record<string, string>>): string {
  return Object.entries(m)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')
}
