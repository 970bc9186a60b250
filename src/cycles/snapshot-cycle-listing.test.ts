/**
 * A snapshot cycle lets its listings go once it has planned: while it creates, the volumes it
 * listed (10 MB at 10k volumes, 100 MB at 100k) are no longer held. Against the simulator; the
 * cloud is the real client, observed (not replaced) to keep weak references to what it listed.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { connectAs, cycleDeps, startSimHarness } from '../../tests/support/sim-cloud.ts'
import { addVolume, DAILY, projectIds } from '../../tests/support/sim-scenario.ts'
import type { VolumeRef } from '../domain/inventory.ts'
import type { Cloud } from '../domain/ports.ts'
import { runSnapshotCycle } from './snapshot-cycle.ts'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

test('the volumes listed are not held while the cycle sends its creates', async () => {
  const h = await startSimHarness()
  try {
    const project = projectIds(h.sim).admin
    for (const n of ['a', 'b', 'c']) addVolume(h.sim, project, `held-${n}`, DAILY)
    const client = await connectAs(h, 'admin')
    const real = client.cloud
    const listed: WeakRef<VolumeRef>[] = []
    let heldAtFirstCreate: number | undefined
    const cloud = new Proxy<Cloud>(real, {
      get(target, prop) {
        if (prop === 'listVolumes') {
          return async function* (...args: Parameters<Cloud['listVolumes']>) {
            for await (const v of target.listVolumes(...args)) {
              listed.push(new WeakRef(v))
              yield v
            }
          }
        }
        if (prop === 'createSnapshot') {
          return (...args: Parameters<Cloud['createSnapshot']>) => {
            if (heldAtFirstCreate === undefined) {
              gc()
              heldAtFirstCreate = listed.filter((w) => w.deref() !== undefined).length
            }
            return target.createSnapshot(...args)
          }
        }
        const value: unknown = Reflect.get(target, prop, target)
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value
      },
    })
    const report = await runSnapshotCycle({ ...cycleDeps(h, client), cloud }, { mode: 'create', allProjects: false, dryRun: false })
    assert.equal(report.result?.counts.succeeded, 3)
    assert.equal(report.volumes, listed.length)
    assert.ok(listed.length >= 3)
    assert.equal(heldAtFirstCreate, 0, `${heldAtFirstCreate} of the ${listed.length} listed volumes still reachable at the first create`)
  } finally {
    await h.close()
  }
})
