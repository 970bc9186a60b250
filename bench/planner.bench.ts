/**
 * The snapshot planner alone (not a timed test): buildSnapshotPlan over 10k volumes in 50 projects
 * with a realistic metadata mix, mode `all`, once with no snapshot yet (the snapshot-cycle
 * benchmark's situation, which carries the target) and once with a week of history. Prints the median of
 * several runs, and the first (cold) run against the 50 ms target (printed, not failed on, as the other benchmarks' targets) and
 * exits non-zero when the plan is not the one the fleet calls for (every open window planned once,
 * no heal or duplicate delete, every misspelt key reported).
 *
 *   node --import tsx bench/planner.bench.ts [--quick]   (runs the compiled bench, dist/bench, as the CLI runs dist/)
 *
 * The first run is a one-shot command's plan: a fresh process (with the command's node flags) that
 * has loaded the modules of `snapwarden create-snapshots` and holds the inventory as the CLI's
 * listing leaves it (Cinder's JSON pages through the CLI's parsers).
 *
 * The mix (deterministic, seeded): 60 % our daily policy, 10 % SnapSentry's daily keys, 5 % our
 * weekly + daily, 5 % a misspelt key, 2 % opted out, 18 % no policy key at all; every volume carries
 * a few keys that are not ours (Cinder's `readonly`, `attached_mode`, user tags). Policy volumes have
 * 7 days of daily snapshots (ours or SnapSentry's) in the second run, and some volumes a snapshot made by hand.
 * Each timed run plans a fresh copy of the inventory (as a cycle lists it afresh); wall and CPU time
 * are both printed, since a busy machine inflates the wall figure.
 */
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import type { SnapshotRecord, VolumeRef } from '../src/domain/inventory.ts'
import { createPrng } from '../src/simulator/index.ts'
import { buildSnapshotPlan } from '../src/planner/snapshot-plan.ts'
import { toSnapshotRecord, toVolumeRef } from '../src/cloud/map.ts'
import { parseSnapshot } from '../src/openstack/blockstorage/v3/snapshots/results.ts'
import { parseVolume } from '../src/openstack/blockstorage/v3/volumes/results.ts'
import { loadCliModules } from './support/cli-cloud.ts'
import { relaunchCompiled } from './support/compiled-bench.ts'

export const PLANNER_TARGET_MS = 50

export interface PlannerFleet {
  readonly volumes: VolumeRef[]
  readonly snapshots: SnapshotRecord[]
  /** Volumes with an active daily policy (one create each, since no snapshot covers today). */
  readonly dailyVolumes: number
  readonly weeklyVolumes: number
}

const NOW = new Date('2026-03-18T12:00:00Z') // a Wednesday; fixed so the figures do not depend on today
const DAY = 86_400_000

export function plannerFleet(volumes: number, projects: number, history: boolean, seed = 2026): PlannerFleet {
  const prng = createPrng(seed)
  const out: VolumeRef[] = []
  const snaps: SnapshotRecord[] = []
  let dailyVolumes = 0
  let weeklyVolumes = 0
  const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0')
  for (let i = 0; i < volumes; i++) {
    const id = `${hex(i, 8)}-bench-4000-8000-${hex(i * 7919, 12)}`
    const projectId = `project-${hex(i % projects, 4)}`
    const metadata: Record<string, string> = { readonly: 'False', attached_mode: 'rw', owner: `team-${i % 13}`, 'cost-center': `cc-${i % 7}` }
    const r = prng.next()
    let kind: 'ours' | 'theirs' | 'weekly' | 'typo' | 'optout' | 'none'
    if (r < 0.6) kind = 'ours'
    else if (r < 0.7) kind = 'theirs'
    else if (r < 0.75) kind = 'weekly'
    else if (r < 0.8) kind = 'typo'
    else if (r < 0.82) kind = 'optout'
    else kind = 'none'
    if (kind === 'ours' || kind === 'weekly' || kind === 'typo') Object.assign(metadata, { 'x-snapwarden-daily-enabled': 'true', 'x-snapwarden-daily-keep-count': '7' })
    if (kind === 'weekly') Object.assign(metadata, { 'x-snapwarden-weekly-enabled': 'true', 'x-snapwarden-weekly-weekday': 'sun', 'x-snapwarden-weekly-keep-weekly': '4' })
    if (kind === 'typo') metadata['x-snapwarden-daily-retention'] = '5'
    if (kind === 'theirs') Object.assign(metadata, { 'x-snapsentry-managed': 'true', 'x-snapsentry-daily-enabled': 'true', 'x-snapsentry-daily-retention-days': '7', 'x-snapsentry-daily-start-time': '00:00' })
    if (kind === 'optout') Object.assign(metadata, { 'x-snapwarden-managed': 'false', 'x-snapsentry-daily-enabled': 'true' })
    const attached = prng.next() < 0.85
    out.push({
      id,
      projectId,
      name: `vol-${i}`,
      status: attached ? 'in-use' : 'available',
      sizeGb: 10,
      createdAt: new Date(NOW.getTime() - 60 * DAY),
      metadata,
      attachments: attached ? [{ serverId: `server-${hex(Math.floor(i / 5), 6)}` }] : [],
      multiattach: false,
    })
    const daily = kind === 'ours' || kind === 'weekly' || kind === 'typo' || kind === 'theirs'
    if (daily) dailyVolumes++
    if (kind === 'weekly') weeklyVolumes++
    if (daily && history) {
      for (let d = 1; d <= 7; d++) {
        const start = new Date(Date.UTC(2026, 2, 18 - d))
        const at = new Date(start.getTime() + 120_000)
        const day = start.toISOString().slice(0, 10)
        const md: Record<string, string> =
          kind === 'theirs'
            ? { 'x-snapsentry-snapshot-managed': 'true', 'x-snapsentry-snapshot-policy-type': 'daily' }
            : {
                'x-snapwarden-managed': 'true',
                'x-snapwarden-policy': 'daily',
                'x-snapwarden-window': `daily/${day}T00:00+00:00[UTC]`,
                'x-snapwarden-window-start': `${day}T00:00:00Z`,
                'x-snapsentry-snapshot-managed': 'true',
                'x-snapsentry-snapshot-policy-type': 'daily',
              }
        snaps.push({ id: `${id}-s${d}`, volumeId: id, projectId, name: `snapwarden-daily-${id}-${day}`, status: 'available', sizeGb: 10, createdAt: at, metadata: md })
      }
    }
    if (history && i % 17 === 0) snaps.push({ id: `${id}-manual`, volumeId: id, projectId, name: 'by hand', status: 'available', sizeGb: 10, createdAt: new Date(NOW.getTime() - 3 * DAY), metadata: {} })
  }
  return { volumes: out, snapshots: snaps, dailyVolumes, weeklyVolumes }
}

const PAGE = 1000
const pages = <T>(xs: readonly T[]): T[][] => Array.from({ length: Math.ceil(xs.length / PAGE) }, (_, i) => xs.slice(i * PAGE, (i + 1) * PAGE))

/** The volumes as the CLI holds them after `volumes/detail`: each page's JSON parsed by parseVolume, then toVolumeRef. */
export function listedVolumes(volumes: readonly VolumeRef[]): VolumeRef[] {
  const texts = pages(volumes).map((page) =>
    JSON.stringify({
      volumes: page.map((v) => ({
        id: v.id,
        name: v.name,
        status: v.status,
        size: v.sizeGb,
        'os-vol-tenant-attr:tenant_id': v.projectId,
        multiattach: v.multiattach,
        metadata: v.metadata,
        attachments: v.attachments.map((a, n) => ({ id: `${v.id}-a${n}`, attachment_id: `${v.id}-a${n}`, server_id: a.serverId, volume_id: v.id })),
        created_at: v.createdAt.toISOString(),
      })),
    }),
  )
  const out: VolumeRef[] = []
  for (const text of texts) for (const raw of (JSON.parse(text) as { volumes: unknown[] }).volumes) out.push(toVolumeRef(parseVolume(raw), ''))
  return out
}

/** The snapshots as the CLI holds them after `snapshots/detail`: each page's JSON parsed by parseSnapshot, then toSnapshotRecord. */
export function listedSnapshots(snapshots: readonly SnapshotRecord[]): SnapshotRecord[] {
  const texts = pages(snapshots).map((page) =>
    JSON.stringify({
      snapshots: page.map((s) => ({
        id: s.id,
        name: s.name,
        status: s.status,
        size: s.sizeGb,
        volume_id: s.volumeId,
        'os-extended-snapshot-attributes:project_id': s.projectId,
        metadata: s.metadata,
        created_at: s.createdAt.toISOString(),
        ...(s.updatedAt ? { updated_at: s.updatedAt.toISOString() } : {}),
      })),
    }),
  )
  const out: SnapshotRecord[] = []
  for (const text of texts) for (const raw of (JSON.parse(text) as { snapshots: unknown[] }).snapshots) out.push(toSnapshotRecord(parseSnapshot(raw), ''))
  return out
}

export interface PlannerBenchResult {
  /** The first plan of the process (cold: nothing compiled yet), as a one-shot CLI run plans: the figure the target is for. */
  readonly firstMs: number
  readonly firstCpuMs: number
  readonly medianMs: number
  readonly runsMs: readonly number[]
  /** CPU time (user + system) of this process per run: the figure a loaded machine does not inflate. */
  readonly cpuMs: readonly number[]
  readonly medianCpuMs: number
  readonly failures: readonly string[]
}

export function runPlannerBench(fleet: PlannerFleet, runs: number): PlannerBenchResult {
  const input = { volumes: fleet.volumes, snapshots: fleet.snapshots, now: NOW, settings: { mode: 'all' as const, stuckAfterMs: 3_600_000 } }
  const runsMs: number[] = []
  const cpuMs: number[] = []
  // The first run is cold (no JIT, empty memos), as in a one-shot `snapwarden create-snapshots`: its
  // inventory is what the CLI holds after listing (Cinder's JSON, a page at a time, through the CLI's
  // own parsers); the later runs are warm, as a daemon's cycles are.
  const cold = { ...input, volumes: listedVolumes(fleet.volumes), snapshots: listedSnapshots(fleet.snapshots) }
  const firstStarted = performance.now()
  const firstCpu = process.cpuUsage()
  let plan = buildSnapshotPlan(cold)
  const firstMs = performance.now() - firstStarted
  const firstUsed = process.cpuUsage(firstCpu)
  for (let i = 0; i < runs; i++) {
    // A cycle lists the inventory afresh: new objects each run, so nothing keyed on them carries over.
    const fresh = { ...input, volumes: structuredClone(fleet.volumes), snapshots: structuredClone(fleet.snapshots) }
    const started = performance.now()
    const cpu = process.cpuUsage()
    plan = buildSnapshotPlan(fresh)
    runsMs.push(performance.now() - started)
    const used = process.cpuUsage(cpu)
    cpuMs.push((used.user + used.system) / 1000)
  }
  const failures: string[] = []
  const creates = plan.items.filter((i) => i.action === 'create')
  const expectedCreates = fleet.dailyVolumes + fleet.weeklyVolumes
  if (creates.length !== expectedCreates) failures.push(`planned ${creates.length} creates, expected ${expectedCreates} (one per open window)`)
  const heal = plan.items.filter((i) => i.action === 'delete' && i.purpose !== 'expire')
  if (heal.length > 0) failures.push(`planned ${heal.length} heal/duplicate deletes in a fleet that has none`)
  const typos = plan.problems.filter((p) => p.key === 'x-snapwarden-daily-retention').length
  const typoVolumes = fleet.volumes.filter((v) => v.metadata['x-snapwarden-daily-retention'] !== undefined).length
  if (typos !== typoVolumes) failures.push(`reported ${typos} misspelt keys, expected ${typoVolumes}`)
  return { firstMs, firstCpuMs: (firstUsed.user + firstUsed.system) / 1000, medianMs: median(runsMs), runsMs, cpuMs, medianCpuMs: median(cpuMs), failures }
}

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

function report(title: string, fleet: PlannerFleet, result: PlannerBenchResult, target: number | undefined): string[] {
  const over = target !== undefined && result.firstMs > target
  return [
    `== snapshot planner: ${title}: ${fleet.volumes.length.toLocaleString('en-US')} volumes, ${fleet.snapshots.length.toLocaleString('en-US')} snapshots, mode all ==`,
    `  volumes with a daily policy / also weekly  ${fleet.dailyVolumes} / ${fleet.weeklyVolumes}`,
    target === undefined
      ? `  first run (cold), wall / CPU               ${result.firstMs.toFixed(1)} ms / ${result.firstCpuMs.toFixed(1)} ms (no target: for reference)`
      : `  first run (cold), wall / CPU / target      ${result.firstMs.toFixed(1)} ms / ${result.firstCpuMs.toFixed(1)} ms / ${target} ms${over ? '  OVER TARGET' : '  ok'}`,
    `  later runs (warm), wall (ms)               ${result.runsMs.map((t) => t.toFixed(1)).join(' ')}`,
    `  later runs (warm), CPU of the process (ms) ${result.cpuMs.map((t) => t.toFixed(1)).join(' ')}`,
    `  median (warm) wall / CPU                   ${result.medianMs.toFixed(1)} ms / ${result.medianCpuMs.toFixed(1)} ms`,
    ...(result.medianMs > 2 * result.medianCpuMs ? ['  note: wall time is over twice the CPU time: the machine is busy, the wall figure is inflated'] : []),
    ...result.failures.map((f) => `  FAILED: ${f}`),
    '',
  ]
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, 'no-write': { type: 'boolean' } } })
  // As the CLI runs: the compiled planner from dist/, no TypeScript loader (compiled-bench.ts), and
  // the modules `snapwarden create-snapshots` loads, loaded before the first plan.
  if (relaunchCompiled(import.meta.url, 'planner')) return
  await loadCliModules('create-snapshots')
  const volumes = values.quick ? 1000 : 10_000
  const projects = values.quick ? 5 : 50
  const runs = values.quick ? 5 : 11
  // The snapshot-cycle benchmark's fleet (nothing taken yet) carries issue 9's target; the same
  // fleet with a week of history is what a daemon plans every day, printed beside it.
  const fresh = plannerFleet(volumes, projects, false)
  const freshResult = runPlannerBench(fresh, runs)
  const target = values.quick ? undefined : PLANNER_TARGET_MS // the target is for 10k volumes
  const week = plannerFleet(volumes, projects, true)
  const weekResult = runPlannerBench(week, runs)
  process.stdout.write([...report('no snapshot yet', fresh, freshResult, target), ...report('a week of daily snapshots', week, weekResult, undefined)].join('\n'))
  // As the other benchmarks: a plan that is not the one the fleet calls for fails; speed is printed against its target.
  if (freshResult.failures.length > 0 || weekResult.failures.length > 0) process.exitCode = 1
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    process.stderr.write(`planner bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    process.exitCode = 1
  })
}
