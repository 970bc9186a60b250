/** Prints a snapshot cycle: what was created, kept and deleted, and why. */
import type { SnapshotPlanItem } from '../domain/plan.ts'
import type { CycleReport } from '../cycles/snapshot-cycle.ts'
import type { Out } from './output.ts'
import { table } from './output.ts'

export function printCycle(out: Out, report: CycleReport, label: string): void {
  const results = new Map(report.result?.items.map((r) => [r.item, r]) ?? [])
  out.line(`cloud: ${label}`)
  out.line(`now: ${report.now.toISOString()}  mode: ${report.mode}  volumes: ${report.volumes}  snapshots: ${report.snapshots}`)
  const rows = report.plan.items.map((item) => {
    const r = results.get(item)
    return [actionOf(item), subjectOf(item), item.volumeId, item.policy ?? '', r ? r.status : 'planned', [...item.reasons, ...(r?.error ? [`${r.error.code}: ${r.error.message}`] : [])].join('; ')]
  })
  out.line('')
  out.line(rows.length ? table(['ACTION', 'SNAPSHOT', 'VOLUME', 'POLICY', 'RESULT', 'WHY'], rows) : 'nothing to do')
  if (report.problems.length) {
    out.line('')
    out.line(`Invalid policy metadata (${report.problems.length}); these policies were skipped, everything else ran:`)
    for (const p of report.problems) out.line(`  ${p.message}`)
  }
  if (report.result) {
    const c = report.result.counts
    out.line('')
    out.line(`summary: ${count(report.plan.items, 'create')} to create, ${count(report.plan.items, 'delete')} to delete, ${count(report.plan.items, 'keep')} kept; ${c.succeeded} succeeded, ${c.failed} failed, ${c.skipped} skipped`)
  }
}

function actionOf(item: SnapshotPlanItem): string {
  return item.action === 'delete' ? (item.purpose === 'heal' ? 'heal' : 'delete') : item.action
}

function subjectOf(item: SnapshotPlanItem): string {
  switch (item.action) {
    case 'create':
      return item.name
    case 'keep':
    case 'delete':
      return item.snapshotId
    case 'skip':
      return ''
  }
}

function count(items: readonly SnapshotPlanItem[], action: SnapshotPlanItem['action']): number {
  return items.filter((i) => i.action === action).length
}

/** The --json shape: plan items with their results. */
export function cycleJson(report: CycleReport, label: string): unknown {
  const results = new Map(report.result?.items.map((r) => [r.item, r]) ?? [])
  return {
    cloud: label,
    now: report.now.toISOString(),
    mode: report.mode,
    volumes: report.volumes,
    snapshots: report.snapshots,
    items: report.plan.items.map((item) => {
      const r = results.get(item)
      return { ...item, ...(r ? { result: { status: r.status, snapshotId: r.snapshotId, error: r.error, steps: r.steps } } : {}) }
    }),
    problems: report.problems,
    ...(report.result ? { counts: report.result.counts } : {}),
  }
}
