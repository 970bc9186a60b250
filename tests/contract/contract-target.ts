import assert from 'node:assert/strict'
import { call, waitFor, waitGone, waitStatus, type Credentials, type Poll, type Session } from './wire.ts'

/** What the contract cases need to know about a cloud (the simulator or the devcloud). */
export interface ContractTarget {
  readonly name: string
  readonly admin: Credentials
  readonly member: Credentials
  /** Prefix of every resource name the cases create (`swtest-B-` on the shared devcloud). */
  readonly prefix: string
  readonly poll: Poll
  /** Flavor and image for a minimal `POST /servers` (any strings for the simulator). */
  readonly server: { readonly flavorRef: string; readonly imageRef: string }
}

/** Cleanup steps run in reverse order in `finally`; the first failure is rethrown after all ran. */
export class Cleanup {
  private readonly steps: { what: string; run: () => Promise<void> }[] = []

  add(what: string, run: () => Promise<void>): void {
    this.steps.push({ what, run })
  }

  async run(): Promise<void> {
    let first: unknown
    for (const step of this.steps.reverse()) {
      try {
        await step.run()
      } catch (err) {
        first ??= new Error(`cleanup of ${step.what} failed: ${String(err)}`)
      }
    }
    if (first !== undefined) throw first
  }
}

const SETTLED = ['available', 'error']

/** Waits for a Cinder resource to leave transient states, deletes it and waits until it is gone. */
export async function deleteCinder(poll: Poll, s: Session, collection: 'volumes' | 'snapshots' | 'backups', id: string): Promise<void> {
  const path = `/${collection}/${id}`
  const key = collection.slice(0, -1)
  const r = await waitFor(poll, `${path} settled`, () => call(s, 'volume', 'GET', path), (x) => x.status === 404 || SETTLED.includes(x.json?.[key]?.status))
  if (r.status === 404) return
  const del = await call(s, 'volume', 'DELETE', path)
  if (del.status !== 202 && del.status !== 404) throw new Error(`DELETE ${path} answered ${del.status}: ${del.text}`)
  await waitGone(poll, s, path)
}

export async function deleteServer(poll: Poll, s: Session, id: string): Promise<void> {
  const del = await call(s, 'compute', 'DELETE', `/servers/${id}`)
  if (del.status !== 204 && del.status !== 404) throw new Error(`DELETE server answered ${del.status}`)
  await waitFor(poll, `server ${id} gone`, () => call(s, 'compute', 'GET', `/servers/${id}`), (r) => r.status === 404)
}

/** Creates a 1 GB volume in the session's project and registers its deletion. */
export async function createVolume(t: ContractTarget, s: Session, cleanup: Cleanup, suffix: string, extra: Record<string, unknown> = {}): Promise<string> {
  const r = await call(s, 'volume', 'POST', '/volumes', { body: { volume: { size: 1, name: `${t.prefix}${suffix}`, ...extra } } })
  assert.equal(r.status, 202, r.text)
  const id = r.json.volume.id as string
  cleanup.add(`volume ${id}`, () => deleteCinder(t.poll, s, 'volumes', id))
  await waitStatus(t.poll, s, 'volume', `/volumes/${id}`, 'volume', 'available')
  return id
}

