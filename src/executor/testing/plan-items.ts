import type { CreateSnapshotItem, DeleteSnapshotItem } from '../../domain/plan.ts'
import { WINDOW_METADATA_KEY } from '../create-snapshot.ts'

export const WINDOW_KEY = 'daily/2026-03-29T02:30+02:00[Europe/Berlin]'

/** A create item for the daily window WINDOW_KEY; the group defaults to the volume's own. */
export function aCreate(volumeId: string, over: Partial<CreateSnapshotItem> = {}): CreateSnapshotItem {
  return {
    action: 'create',
    volumeId,
    projectId: 'project-a',
    group: `volume:${volumeId}`,
    policy: 'daily',
    window: { policy: 'daily', key: WINDOW_KEY, start: new Date('2026-03-29T00:30:00Z'), end: new Date('2026-03-30T00:30:00Z') },
    name: `snapwarden-daily-${volumeId}`,
    description: 'daily snapshot by snapwarden',
    metadata: { [WINDOW_METADATA_KEY]: WINDOW_KEY, 'x-snapwarden-policy': 'daily' },
    reasons: ['due'],
    ...over,
  }
}

export function aDelete(snapshotId: string, purpose: DeleteSnapshotItem['purpose'], status = 'available', over: Partial<DeleteSnapshotItem> = {}): DeleteSnapshotItem {
  return { action: 'delete', snapshotId, volumeId: 'vol-1', projectId: 'project-a', purpose, status, reasons: [purpose], ...over }
}
