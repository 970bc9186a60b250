/**
 * One listing round over backups in flight (`backups/detail`, newest first): what a poll round
 * reads. A round over more backups than one page holds reads its pages in parallel, each segment
 * starting at a marker that is one of the watched backups, instead of one page after another.
 */
import type { BackupRecord } from '../domain/inventory.ts'
import type { RecentBackupsQuery } from '../domain/ports.ts'
import * as backups from '../openstack/blockstorage/v3/backups/index.ts'
import type { Connection } from '../openstack/connection.ts'
import { isHttpStatus } from '../openstack/core/errors.ts'
import { toBackupRecord } from './map.ts'

/** Cinder's default page size (osapi_max_limit): a round over more watched backups than this is read in segments. */
export const SEGMENT_SIZE = 1000

/** Where one listing of the round reads: the client, the project its records are held by, its scope options. */
export interface RecentListing {
  readonly client: Connection['blockStorage']
  readonly holder: string
  readonly opts: { readonly allTenants?: boolean }
}

/** What the round has seen so far, shared by its segments. */
interface RoundState {
  readonly wanted: Set<string>
  readonly seen: Set<string>
  readonly out: BackupRecord[]
  readonly since: number
  readonly onPage: ((records: readonly BackupRecord[]) => void) | undefined
}

/**
 * Reads one listing newest first from `marker` (the newest backup when undefined) and stops at the
 * first backup created before `since`, at the first of `stops` (included), or once every wanted
 * backup was seen. Each page's new records go to `onPage` as soon as the page is read.
 */
async function readSegment(listing: RecentListing, state: RoundState, marker: string | undefined, stops: ReadonlySet<string>, signal?: AbortSignal): Promise<void> {
  const { wanted, seen, out, since } = state
  for await (const page of backups.listPages(listing.client, { ...listing.opts, ...(marker !== undefined && { marker }) }, signal)) {
    const records: BackupRecord[] = []
    let done = false
    for (const b of page) {
      if (b.createdAt.getTime() < since || wanted.size === 0) {
        done = true
        break
      }
      // Two segments overlap only when the watched order was not Cinder's: a backup is handed over once.
      if (!seen.has(b.id)) {
        seen.add(b.id)
        records.push(toBackupRecord(b, listing.holder))
        wanted.delete(b.id)
      }
      if (stops.has(b.id)) {
        done = true
        break
      }
    }
    out.push(...records)
    if (records.length > 0) state.onPage?.(records)
    if (done || wanted.size === 0) return
  }
}

/**
 * The segments of a round over `ids` (oldest first, as they were made): `k = ceil(n / SEGMENT_SIZE)`
 * runs of the watched backups, newest run first. Segment j > 0 starts after the oldest backup of
 * run j - 1 (its marker); every segment stops at the marker of any later segment, inclusive.
 *
 * Whatever Cinder's real order, every backup from the newest down to `since` is read by some
 * segment: for a backup x, take the last segment c whose marker is newer than x (segment 0 if none);
 * c starts above x and can only stop at a later segment's marker, none of which is newer than x. A
 * watched order that differs from Cinder's costs pages (segments overlap), never a backup.
 */
export function segmentMarkers(ids: readonly string[]): (string | undefined)[] {
  const n = ids.length
  const k = Math.max(1, Math.ceil(n / SEGMENT_SIZE))
  const size = Math.ceil(n / k)
  const markers: (string | undefined)[] = [undefined]
  // ids are oldest first: run j (newest first) holds ids[n - (j + 1) * size .. n - j * size - 1].
  for (let j = 1; j < k && n - j * size > 0; j++) markers.push(ids[n - j * size])
  return markers
}

/**
 * The watched backups `query.ids` lists (and the others newer than `createdSince` on the pages
 * read). One listing over more than SEGMENT_SIZE watched backups is read in parallel segments
 * (segmentMarkers): as many pages as one after another when the watched order is Cinder's, in the
 * time of one. A marker Cinder no longer knows (404, as Cinder answers for a backup it cannot find;
 * 400 taken alike: that backup was deleted meanwhile) makes the round read the listing again one
 * page after another; records already handed over are not handed over again.
 */
export async function listRecentBackupsIn(listings: readonly RecentListing[], query: RecentBackupsQuery, signal?: AbortSignal, onPage?: (records: readonly BackupRecord[]) => void): Promise<BackupRecord[]> {
  const state: RoundState = { wanted: new Set(query.ids), seen: new Set(), out: [], since: query.createdSince.getTime(), onPage }
  const only = listings.length === 1 ? listings[0] : undefined
  if (only !== undefined && query.ids.length > SEGMENT_SIZE) {
    const markers = segmentMarkers(query.ids)
    const settled = await Promise.allSettled(
      markers.map((marker, j) => readSegment(only, state, marker, new Set(markers.slice(j + 1) as string[]), signal)),
    )
    const failed = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected').map((s) => s.reason as unknown)
    const other = failed.find((err) => !isHttpStatus(err, 404) && !isHttpStatus(err, 400))
    if (other !== undefined) throw other
    if (failed.length === 0) return state.out
  }
  // One page after another (and one listing after another), from the newest backup.
  for (const listing of listings) {
    await readSegment(listing, state, undefined, new Set(), signal)
    if (state.wanted.size === 0) break
  }
  return state.out
}
