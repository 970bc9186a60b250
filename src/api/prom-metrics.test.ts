import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { METRIC_DEFINITIONS } from './metric-definitions.ts'
import { PromMetrics } from './prom-metrics.ts'

test('counters, gauges and histograms render with their help text and labels', async () => {
  const m = new PromMetrics({ defaultMetrics: false, strict: true })
  m.inc('snapwarden_snapshots_created_total', { project: 'p1', policy: 'daily' })
  m.inc('snapwarden_snapshots_created_total', { project: 'p1', policy: 'daily' }, 2)
  m.set('snapwarden_job_last_success_timestamp_seconds', 1767225600, { job: 'create' })
  m.observe('snapwarden_job_duration_seconds', 2.5, { job: 'create' })
  const text = await m.render()
  assert.match(text, /# HELP snapwarden_snapshots_created_total Snapshots created\./)
  assert.match(text, /# TYPE snapwarden_snapshots_created_total counter/)
  assert.match(text, /snapwarden_snapshots_created_total\{project="p1",policy="daily"\} 3/)
  assert.match(text, /snapwarden_job_last_success_timestamp_seconds\{job="create"\} 1767225600/)
  assert.match(text, /snapwarden_job_duration_seconds_bucket\{le="5",job="create"\} 1/)
  assert.match(text, /snapwarden_job_duration_seconds_count\{job="create"\} 1/)
})

test('metrics are created only when first used', async () => {
  const m = new PromMetrics({ defaultMetrics: false })
  assert.equal(await m.render(), '\n')
  m.inc('snapwarden_job_overruns_total', { job: 'expire' })
  assert.doesNotMatch(await m.render(), /snapwarden_snapshots_created_total/)
})

test('default process metrics are on unless turned off', async () => {
  assert.match(await new PromMetrics().render(), /process_cpu_user_seconds_total/)
  assert.doesNotMatch(await new PromMetrics({ defaultMetrics: false }).render(), /process_cpu_user_seconds_total/)
})

test('two instances have separate registries', async () => {
  const a = new PromMetrics({ defaultMetrics: false })
  const b = new PromMetrics({ defaultMetrics: false })
  a.inc('snapwarden_job_runs_total', { job: 'create', outcome: 'succeeded' })
  assert.doesNotMatch(await b.render(), /snapwarden_job_runs_total/)
})

test('in strict mode an unknown name, a wrong kind or an unknown label throws', () => {
  const m = new PromMetrics({ defaultMetrics: false, strict: true })
  assert.throws(() => m.inc('snapwarden_made_up_total'), /not in metric-definitions/)
  assert.throws(() => m.observe('snapwarden_snapshots_created_total', 1), /is a counter/)
  assert.throws(() => m.inc('snapwarden_job_runs_total', { job: 'x', colour: 'red' }), /has no label colour/)
})

test('in strict mode a call without a label the definition promises throws, naming it', () => {
  const m = new PromMetrics({ defaultMetrics: false, strict: true })
  assert.throws(() => m.inc('snapwarden_snapshots_created_total', { policy: 'daily' }), /snapwarden_snapshots_created_total recorded without its label project/)
  assert.throws(() => m.inc('snapwarden_backups_over_quota_total'), /without its label project/)
})

test('every metric of docs/operations.md has the labels of its definition, and no other metric is listed', () => {
  const doc = readFileSync(fileURLToPath(new URL('../../docs/operations.md', import.meta.url)), 'utf8')
  const rows = [...doc.matchAll(/^\| `(snapwarden_[a-z_]+)` \| (\w+) \| ([^|]*) \|/gm)].map((m) => ({
    name: m[1]!,
    kind: m[2]!,
    labels: m[3]!.trim() === '—' ? [] : m[3]!.split(',').map((l) => l.trim()),
  }))
  const defined = METRIC_DEFINITIONS.map((d) => ({ name: d.name, kind: d.kind, labels: [...d.labelNames] }))
  assert.deepEqual(
    [...rows].sort((a, b) => a.name.localeCompare(b.name)),
    [...defined].sort((a, b) => a.name.localeCompare(b.name)),
  )
})

test('outside strict mode an unknown name is registered as a counter with a generic help, and bad labels are dropped', async () => {
  const warnings: string[] = []
  const logger = { debug() {}, info() {}, warn: (_o: object, msg?: string) => void warnings.push(msg ?? ''), error() {}, child: () => logger }
  const m = new PromMetrics({ defaultMetrics: false, logger })
  m.inc('snapwarden_made_up_total', { kind: 'x' })
  m.inc('snapwarden_job_runs_total', { job: 'create', outcome: 'failed', colour: 'red' })
  m.observe('snapwarden_snapshots_created_total', 1)
  const text = await m.render()
  assert.match(text, /# HELP snapwarden_made_up_total Snapwarden metric snapwarden_made_up_total\./)
  assert.match(text, /snapwarden_made_up_total\{kind="x"\} 1/)
  assert.match(text, /snapwarden_job_runs_total\{job="create",outcome="failed"\} 1/)
  assert.equal(warnings.length, 3)
})

test('every defined metric has a valid name, a help text and the suffix its kind calls for', () => {
  for (const d of METRIC_DEFINITIONS) {
    assert.match(d.name, /^snapwarden_[a-z_]+$/, d.name)
    assert.ok(d.help.length > 0, d.name)
    if (d.kind === 'counter') assert.match(d.name, /_total$/, d.name)
    else assert.doesNotMatch(d.name, /_total$/, d.name)
  }
})
