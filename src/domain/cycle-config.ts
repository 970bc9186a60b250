/**
 * The settings the cycles read, as the config file resolves them: durations in seconds, Staffeln's
 * aliases folded in. `config/` parses the file into this shape; the cycles only read it.
 */
export interface SnapshotSettings {
  /** Creates/deletes in flight at once, over all projects. */
  readonly concurrency: number
  /** Creates/deletes in flight at once within one project. */
  readonly concurrency_per_project: number
  /** SnapSentry's behaviour: detached and multi-attached volumes one after another. */
  readonly sequential_detached: boolean
  /** Seconds after which a snapshot stuck in creating/deleting/error/error_deleting is healed. */
  readonly stuck_after: number
  readonly wait_for_available: boolean
  /** Seconds to wait for a create or a heal. */
  readonly wait_timeout: number
}

export interface BackupTiers {
  readonly last?: number | undefined
  readonly hourly?: number | undefined
  readonly daily?: number | undefined
  readonly weekly?: number | undefined
  readonly monthly?: number | undefined
  readonly yearly?: number | undefined
}

export interface ConductorSettings {
  readonly backup_metadata_key: string
  readonly retention_metadata_key: string
  /** Staffeln's retention grammar (calendar units), or seconds. */
  readonly retention_time: string | number
  readonly full_backup_depth: number
  /** Seconds. */
  readonly backup_min_interval: number
  /** Seconds a backup may take (Staffeln's `backup_cycle_timout` spelling folded in). */
  readonly backup_cycle_timeout: number
  readonly backup_service_period: number
  readonly retention_service_period: number
  /** Seconds finished backup task rows and run records are kept (pruned by the retention cycle). */
  readonly task_history: number
  readonly backup_workers: number
  readonly keep_count?: number | undefined
  readonly keep_tiers?: BackupTiers | undefined
}

export interface CycleConfig {
  /** Zone of calendar buckets (tiers, retention months). */
  readonly timezone: string
  readonly snapshots: SnapshotSettings
  readonly conductor: ConductorSettings
}
