import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Clock, Sleep } from '../domain/clock.ts'
import type { Labels, Metrics } from '../domain/metrics.ts'
import { JobCancelledError } from './errors.ts'
import { JobScheduler, type Job, type JobOutcome } from './job-scheduler.ts'

function deferred<T>() {
  let resolve!: (v: T) => void
  let reject!: (e: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

/** A clock tests move by hand. */
function manualClock(start: string) {
  let t = new Date(start).getTime()
  return { now: () => new Date(t), advance: (ms: number) => void (t += ms) } satisfies Clock & { advance(ms: number): void }
}

/** A sleep the test ends by hand; records the requested durations. */
function manualSleep() {
  const calls: { ms: number; fire: () => void }[] = []
  const sleep: Sleep = (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      calls.push({ ms, fire: resolve })
      signal?.addEventListener('abort', () => reject(signal.reason), { once: true })
    })
  return { sleep, calls }
}

function recordingMetrics() {
  const calls: { kind: string; name: string; value: number; labels?: Labels }[] = []
  const metrics: Metrics = {
    inc: (name, labels, value = 1) => void calls.push({ kind: 'inc', name, value, labels }),
    set: (name, value, labels) => void calls.push({ kind: 'set', name, value, labels }),
    observe: (name, value, labels) => void calls.push({ kind: 'observe', name, value, labels }),
  }
  return { metrics, calls }
}

function controlledJob(name = 'create') {
  const runs: { signal: AbortSignal; finish: ReturnType<typeof deferred<JobOutcome>> }[] = []
  const job: Job = {
    name,
    schedule: { cron: '*/10 * * * *', timezone: 'UTC' },
    run(signal) {
      const finish = deferred<JobOutcome>()
      runs.push({ signal, finish })
      return finish.promise
    },
  }
  return { job, runs }
}

test('a job triggered while its previous run is still going is skipped and counted as an overrun', async () => {
  const { job, runs } = controlledJob()
  const { metrics, calls } = recordingMetrics()
  const s = new JobScheduler([job], { clock: manualClock('2026-01-01T00:00:00Z'), sleep: manualSleep().sleep, metrics })
  const first = s.trigger('create')
  const second = await s.trigger('create')
  assert.deepEqual(second, { started: false, reason: 'overrun' })
  assert.equal(runs.length, 1)
  assert.equal(s.state('create').overruns, 1)
  assert.deepEqual(calls.find((c) => c.name === 'snapwarden_job_overruns_total')?.labels, { job: 'create' })
  runs[0]!.finish.resolve('succeeded')
  assert.deepEqual(await first, { started: true, outcome: 'succeeded' })
  const third = s.trigger('create')
  assert.equal(runs.length, 2, 'a new run starts once the previous one finished')
  runs[1]!.finish.resolve('succeeded')
  await third
})

test('different jobs may run at the same time', async () => {
  const a = controlledJob('create')
  const b = controlledJob('expire')
  const s = new JobScheduler([a.job, b.job], { clock: manualClock('2026-01-01T00:00:00Z'), sleep: manualSleep().sleep })
  const ra = s.trigger('create')
  const rb = s.trigger('expire')
  assert.equal(a.runs.length + b.runs.length, 2)
  a.runs[0]!.finish.resolve('succeeded')
  b.runs[0]!.finish.resolve('skipped')
  assert.deepEqual([await ra, await rb], [
    { started: true, outcome: 'succeeded' },
    { started: true, outcome: 'skipped' },
  ])
})

test('a run records its start, finish, outcome, duration and last success', async () => {
  const clock = manualClock('2026-01-01T00:00:00Z')
  const { metrics, calls } = recordingMetrics()
  const { job, runs } = controlledJob()
  const s = new JobScheduler([job], { clock, sleep: manualSleep().sleep, metrics })
  const p = s.trigger('create')
  assert.equal(s.state('create').running, true)
  clock.advance(2500)
  runs[0]!.finish.resolve('succeeded')
  await p
  const st = s.state('create')
  assert.equal(st.running, false)
  assert.equal(st.lastStart?.toISOString(), '2026-01-01T00:00:00.000Z')
  assert.equal(st.lastFinish?.toISOString(), '2026-01-01T00:00:02.500Z')
  assert.equal(st.lastSuccess?.toISOString(), '2026-01-01T00:00:02.500Z')
  assert.equal(st.lastOutcome, 'succeeded')
  assert.deepEqual(calls, [
    { kind: 'inc', name: 'snapwarden_job_runs_total', value: 1, labels: { job: 'create', outcome: 'succeeded' } },
    { kind: 'observe', name: 'snapwarden_job_duration_seconds', value: 2.5, labels: { job: 'create' } },
    { kind: 'set', name: 'snapwarden_job_last_success_timestamp_seconds', value: 1767225602.5, labels: { job: 'create' } },
    { kind: 'set', name: 'snapwarden_job_last_completion_timestamp_seconds', value: 1767225602.5, labels: { job: 'create' } },
  ])
})

test('a run that completed with per-item failures records its completion time and is not counted as a failure', async () => {
  const clock = manualClock('2026-01-01T00:00:00Z')
  const { metrics, calls } = recordingMetrics()
  const job: Job = { name: 'create', schedule: { everySeconds: 600 }, run: async () => 'completed_with_failures' }
  const s = new JobScheduler([job], { clock, sleep: manualSleep().sleep, metrics })
  for (let i = 0; i < 3; i++) {
    clock.advance(60_000)
    assert.deepEqual(await s.trigger('create'), { started: true, outcome: 'completed_with_failures' })
  }
  const st = s.state('create')
  assert.equal(st.consecutiveFailures, 0)
  assert.equal(st.lastCompletion?.toISOString(), '2026-01-01T00:03:00.000Z')
  assert.equal(st.lastSuccess, undefined, 'last success stays for runs where every item went as planned')
  const completions = calls.filter((c) => c.name === 'snapwarden_job_last_completion_timestamp_seconds')
  assert.deepEqual(completions.at(-1), { kind: 'set', name: 'snapwarden_job_last_completion_timestamp_seconds', value: 1767225780, labels: { job: 'create' } })
  assert.deepEqual(
    calls.filter((c) => c.name === 'snapwarden_job_runs_total').map((c) => c.labels),
    Array.from({ length: 3 }, () => ({ job: 'create', outcome: 'completed_with_failures' })),
  )
})

test('stop releases what each job holds once its last run has finished, and a failing release is only logged', { timeout: 5000 }, async () => {
  const steps: string[] = []
  const { job, runs } = controlledJob('backup')
  const other: Job = {
    name: 'retention',
    schedule: { everySeconds: 600 },
    run: async () => 'skipped',
    release: async () => {
      steps.push('release retention')
      throw new Error('store closed')
    },
  }
  const s = new JobScheduler([{ ...job, release: async () => void steps.push('release backup') }, other], {
    clock: manualClock('2026-01-01T00:00:00Z'),
    sleep: manualSleep().sleep,
  })
  const run = s.trigger('backup')
  const stopping = s.stop({ graceMs: 30_000 })
  await Promise.resolve()
  assert.deepEqual(steps, [], 'nothing is released while a run is still going')
  runs[0]!.finish.resolve('succeeded')
  await run
  await stopping
  assert.deepEqual(steps, ['release backup', 'release retention'])
})

test('a run that throws counts as failed and failures in a row are counted until a success', async () => {
  const clock = manualClock('2026-01-01T00:00:00Z')
  let outcome: () => Promise<JobOutcome> = () => Promise.reject(Object.assign(new Error('cinder down'), { code: 'OS_NETWORK' }))
  const job: Job = { name: 'expire', schedule: { everySeconds: 600 }, run: () => outcome() }
  const s = new JobScheduler([job], { clock, sleep: manualSleep().sleep })
  assert.deepEqual(await s.trigger('expire'), { started: true, outcome: 'failed' })
  await s.trigger('expire')
  assert.equal(s.state('expire').consecutiveFailures, 2)
  assert.deepEqual(s.state('expire').lastError, { code: 'OS_NETWORK', message: 'cinder down' })
  assert.equal(s.state('expire').lastSuccess, undefined)
  outcome = () => Promise.resolve('succeeded')
  await s.trigger('expire')
  assert.equal(s.state('expire').consecutiveFailures, 0)
  assert.equal(s.state('expire').lastError, undefined)
})

test('stop waits for the in-flight run without aborting it when it finishes within the grace period', { timeout: 5000 }, async () => {
  const { job, runs } = controlledJob()
  const { sleep, calls } = manualSleep()
  const s = new JobScheduler([job], { clock: manualClock('2026-01-01T00:00:00Z'), sleep })
  const run = s.trigger('create')
  let stopped = false
  const stopping = s.stop({ graceMs: 30_000 }).then(() => void (stopped = true))
  await Promise.resolve()
  assert.equal(calls[0]?.ms, 30_000)
  assert.equal(stopped, false, 'stop() waits for the running job')
  runs[0]!.finish.resolve('succeeded')
  await stopping
  assert.equal(runs[0]!.signal.aborted, false)
  assert.deepEqual(await run, { started: true, outcome: 'succeeded' })
})

test('stop aborts the in-flight run after the grace period and resolves when it has finished', { timeout: 5000 }, async () => {
  const { sleep, calls } = manualSleep()
  const job: Job = {
    name: 'create',
    schedule: { cron: '*/10 * * * *', timezone: 'UTC' },
    run: (signal) =>
      new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true })),
  }
  const s = new JobScheduler([job], { clock: manualClock('2026-01-01T00:00:00Z'), sleep })
  const run = s.trigger('create')
  const stopping = s.stop({ graceMs: 5000 })
  await Promise.resolve()
  calls[0]!.fire()
  await stopping
  assert.deepEqual(await run, { started: true, outcome: 'failed' })
  assert.equal(s.state('create').lastError?.code, 'EXEC_CANCELLED')
  assert.ok(new JobCancelledError('create', 5000).message.includes('5000 ms'))
})

test('after stop no new run starts', async () => {
  const { job, runs } = controlledJob()
  const s = new JobScheduler([job], { clock: manualClock('2026-01-01T00:00:00Z'), sleep: manualSleep().sleep })
  await s.stop({ graceMs: 1000 })
  assert.deepEqual(await s.trigger('create'), { started: false, reason: 'stopped' })
  assert.equal(runs.length, 0)
})

test('start schedules each job and stop clears its timers', async () => {
  const { job } = controlledJob()
  const s = new JobScheduler([job, { ...job, name: 'backup', schedule: { everySeconds: 600 } }], {
    clock: manualClock('2026-01-01T00:00:00Z'),
    sleep: manualSleep().sleep,
  })
  assert.equal(s.isScheduled(), false)
  s.start()
  assert.equal(s.isScheduled(), true)
  await s.stop({ graceMs: 0 })
  assert.equal(s.isScheduled(), false)
})

test('an invalid schedule is rejected when the scheduler is built, naming the option', () => {
  const { job } = controlledJob()
  assert.throws(
    () =>
      new JobScheduler([{ ...job, schedule: { cron: '*/10 * * *', timezone: 'UTC' }, source: { schedule: '--create-schedule' } }], {
        clock: manualClock('2026-01-01T00:00:00Z'),
        sleep: manualSleep().sleep,
      }),
    /--create-schedule "\*\/10 \* \* \*": expected 5 fields/,
  )
})

test('two jobs with the same name are rejected', () => {
  const { job } = controlledJob()
  assert.throws(
    () => new JobScheduler([job, job], { clock: manualClock('2026-01-01T00:00:00Z'), sleep: manualSleep().sleep }),
    /defined twice/,
  )
})

test('nextRuns of a job follows its schedule', () => {
  const { job } = controlledJob()
  const s = new JobScheduler([job], { clock: manualClock('2026-01-01T00:00:00Z'), sleep: manualSleep().sleep })
  assert.deepEqual(
    s.nextRuns('create', 2, new Date('2026-01-01T00:05:00Z')).map((d) => d.toISOString()),
    ['2026-01-01T00:10:00.000Z', '2026-01-01T00:20:00.000Z'],
  )
})
