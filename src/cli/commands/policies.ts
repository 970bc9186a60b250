/** `policies`: every volume's snapshot policies as parsed, with errors. */
import { WEEKDAY_NAMES } from '../../planner/metadata-keys.ts'
import { parseSnapshotPolicies } from '../../planner/snapshot-policy.ts'
import { listAll, scopeFor } from '../../cycles/cloud-reads.ts'
import { defineCommand } from '../command.ts'
import { EXIT } from '../exit-codes.ts'
import { table } from '../output.ts'
import { volumeById } from '../volume-by-id.ts'

interface Options {
  readonly json: boolean
  readonly allProjects: boolean
  readonly volumeId?: string
}

export const policiesCommand = defineCommand<Options>({
  name: 'policies',
  summary: 'show the snapshot policies of every volume as parsed, with errors',
  configure: (cmd) =>
    cmd
      .option('--json', 'print JSON', false)
      .option('--all-projects', 'every project (admin credential)', false)
      .option('--volume-id <id>', 'only this volume'),
  parseOptions: (raw) => ({
    json: raw.json === true,
    allProjects: raw.allProjects === true,
    ...(typeof raw.volumeId === 'string' ? { volumeId: raw.volumeId } : {}),
  }),
  async run(opts, deps) {
    const { cloud } = await deps.openCloud()
    const volumes = opts.volumeId
      ? [await volumeById(cloud, opts.volumeId)]
      : await listAll({ cloud, sleep: deps.sleep, random: deps.random, logger: deps.logger }, 'volumes', async function* () {
          yield* cloud.listVolumes(await scopeFor(cloud, await cloud.identity(), opts.allProjects || deps.config().all_projects))
        })
    const parsed = volumes.map((v) => ({ volume: v, ...parseSnapshotPolicies(v) })).filter((p) => p.policies.length || p.problems.length || opts.volumeId)
    const problems = parsed.reduce((n, p) => n + p.problems.length, 0)
    if (opts.json) {
      deps.out.json(parsed.map((p) => ({ volumeId: p.volume.id, volumeName: p.volume.name, projectId: p.volume.projectId, policies: p.policies, problems: p.problems })))
    } else {
      const rows = parsed.flatMap((p) =>
        p.policies.map((pol) => [p.volume.id, p.volume.name, pol.name, describeSchedule(pol.schedule), describeRetention(pol.retention), pol.source]),
      )
      deps.out.line(rows.length ? table(['VOLUME', 'NAME', 'POLICY', 'SCHEDULE', 'RETENTION', 'FROM'], rows) : 'no volume has a snapshot policy')
      if (problems) {
        deps.out.line(`\nErrors (${problems}):`)
        for (const p of parsed) for (const e of p.problems) deps.out.line(`  ${e.message}`)
      }
    }
    return problems ? EXIT.partial : EXIT.ok
  },
})

type Sched = ReturnType<typeof parseSnapshotPolicies>['policies'][number]['schedule']
type Ret = ReturnType<typeof parseSnapshotPolicies>['policies'][number]['retention']

function describeSchedule(s: Sched): string {
  const t = `${String(s.startTime.hour).padStart(2, '0')}:${String(s.startTime.minute).padStart(2, '0')}`
  switch (s.kind) {
    case 'express':
      return `every ${s.intervalHours}h from ${t} ${s.timezone}`
    case 'daily':
      return `daily ${t} ${s.timezone}`
    case 'weekly':
      return `weekly ${WEEKDAY_NAMES[s.weekday - 1]} ${t} ${s.timezone}`
    case 'monthly':
      return `monthly day ${s.dayOfMonth} ${t} ${s.timezone}`
  }
}

function describeRetention(r: Ret): string {
  const parts: string[] = []
  if (r.maxAgeDays !== undefined) parts.push(`${r.maxAgeDays}d`)
  if (r.keepCount !== undefined) parts.push(`count ${r.keepCount}`)
  if (r.tiers) parts.push(Object.entries(r.tiers).map(([k, v]) => `${k} ${v}`).join(' '))
  return parts.join(', ')
}
