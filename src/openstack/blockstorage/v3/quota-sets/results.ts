export interface QuotaUsage {
  /** -1 means unlimited. */
  readonly limit: number
  readonly inUse: number
  readonly reserved: number
  readonly allocated: number | undefined
}

/**
 * A project's block-storage quotas. Keys are Cinder's resource names (`volumes`, `snapshots`,
 * `backups`, `gigabytes`, `backup_gigabytes`, `per_volume_gigabytes`, `groups`, `volumes_<type>`…).
 */
export interface QuotaSet {
  readonly projectId: string
  readonly limits: Readonly<Record<string, number>>
  /** Filled when asked with `usage: true`; empty otherwise. */
  readonly usage: Readonly<Record<string, QuotaUsage>>
}

interface UsageBody {
  limit: number
  in_use: number
  reserved: number
  allocated?: number
}

export function parseQuotaSet(raw: unknown, projectId: string): QuotaSet {
  const b = (raw as { quota_set: Record<string, unknown> }).quota_set
  const limits: Record<string, number> = {}
  const usage: Record<string, QuotaUsage> = {}
  for (const [k, v] of Object.entries(b)) {
    if (k === 'id') continue
    if (typeof v === 'number') limits[k] = v
    else if (v !== null && typeof v === 'object' && 'limit' in v) {
      const u = v as UsageBody
      limits[k] = u.limit
      usage[k] = { limit: u.limit, inUse: u.in_use, reserved: u.reserved, allocated: u.allocated }
    }
  }
  return { projectId: typeof b['id'] === 'string' ? b['id'] : projectId, limits, usage }
}
