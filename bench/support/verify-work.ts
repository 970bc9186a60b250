/**
 * Did the benchmark's work succeed? Every planned create must have made an artefact that exists in
 * the cloud afterwards, in its volume's project and in the expected status; every planned delete
 * must have removed one. Checked in the simulator process (its own state, no API calls).
 */
import type { SimState } from '../../src/simulator/index.ts'

export type ArtefactKind = 'snapshot' | 'backup'

export interface ExpectedArtefact {
  readonly kind: ArtefactKind
  /** The id the client reported; undefined when it reported none (itself a failure). */
  readonly id: string | undefined
  readonly volumeId: string
  /** `present` (created, in `status`) or `absent` (deleted). */
  readonly expect: 'present' | 'absent'
  readonly status?: string
  /** What the failure line names, e.g. `create snapshot for volume … (group server:…)`. */
  readonly label: string
}

export interface VerifyResult {
  readonly failures: readonly string[]
  /** Creation times (simulator clock, ms) of the artefacts found as expected: the poll rounds' input. */
  readonly createdAt: readonly number[]
  /** Projects that received an artefact (created or deleted), for the per-project token term. */
  readonly projects: readonly string[]
}

export function verifyArtefacts(state: SimState, expected: readonly ExpectedArtefact[]): VerifyResult {
  const failures: string[] = []
  const createdAt: number[] = []
  const projects = new Set<string>()
  for (const e of expected) {
    const index = e.kind === 'snapshot' ? state.snapshots : state.backups
    const found = e.id === undefined ? undefined : index.get(e.id)
    const volume = state.volumes.get(e.volumeId)
    if (e.expect === 'absent') {
      if (found !== undefined) failures.push(`${e.label}: ${e.kind} ${e.id} still exists (status ${found.status})`)
      else if (volume !== undefined) projects.add(volume.projectId)
      continue
    }
    if (e.id === undefined) {
      failures.push(`${e.label}: the client reported no ${e.kind} id`)
      continue
    }
    if (found === undefined) {
      failures.push(`${e.label}: ${e.kind} ${e.id} does not exist`)
      continue
    }
    if (found.volumeId !== e.volumeId) failures.push(`${e.label}: ${e.kind} ${e.id} is of volume ${found.volumeId}`)
    else if (volume !== undefined && found.projectId !== volume.projectId) {
      failures.push(`${e.label}: ${e.kind} ${e.id} is in project ${found.projectId}, its volume in ${volume.projectId}`)
    } else if (e.status !== undefined && found.status !== e.status) {
      failures.push(`${e.label}: ${e.kind} ${e.id} is ${found.status}, expected ${e.status}`)
    } else {
      createdAt.push(found.createdAt)
      projects.add(found.projectId)
    }
  }
  return { failures, createdAt, projects: [...projects] }
}
