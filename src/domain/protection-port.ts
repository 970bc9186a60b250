/**
 * What the protection API asks the store: is this Cinder backup one Snapwarden (or an adopted
 * Staffeln installation) created and still tracks? store/ implements it; api/ receives it.
 * A lookup that cannot read the store throws (the API then answers `False`: fail-closed).
 */
export interface TrackedBackupLookup {
  /** True while the backup is tracked (recorded and not marked deleted). */
  isTracked(backupId: string): Promise<boolean>
}
