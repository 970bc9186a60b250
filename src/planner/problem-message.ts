import type { VolumeRef } from '../domain/inventory.ts'

const MAX_SHOWN_VALUE = 80

/** `volume 1b2c… (db-data)`: the part of a problem message that names the volume. */
export function problemSubject(volume: Pick<VolumeRef, 'id' | 'name'>): string {
  return volume.name ? `volume ${volume.id} (${volume.name})` : `volume ${volume.id}`
}

/** `volume 1b2c… (db-data): x-snapsentry-daily-start-time="25:00" is not a time; accepted: HH:MM, 00:00–23:59` */
export function problemMessage(volume: Pick<VolumeRef, 'id' | 'name'>, key: string, value: string, reason: string, accepted: string): string {
  const shown = value.length > MAX_SHOWN_VALUE ? `${value.slice(0, MAX_SHOWN_VALUE)}…` : value
  return `${problemSubject(volume)}: ${key}=${JSON.stringify(shown)} ${reason}; accepted: ${accepted}`
}
